#!/bin/sh
# Regenerates the libFuzzer seed corpora in fuzz/corpus/ (committed; make fuzz reads them):
#   doccomment/   the sources under tests/programs, and small hand-made edge cases
#   btf_schema/   the raw .BTF sections of those programs compiled with clang -target bpf,
#                 and of a file (below) with every kind of type the schema walker meets
#   http/         request heads the exporter's parser meets: good ones, and each way to be bad
#   json/         runtime state files as podman and docker write them, and JSON's edge cases
#   embed/        the section procsnoop run --build writes, for the programs and broken ones
# Usage: fuzz/make-corpus.sh   (from anywhere; needs clang, llvm-objcopy and bpftool)
set -eu
cd "$(dirname "$0")/.."
CLANG=${CLANG:-clang}
OBJCOPY=${OBJCOPY:-llvm-objcopy}
BPFTOOL=${BPFTOOL:-bpftool}
MAX=65536
ARCH=$(uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/')
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

doc=fuzz/corpus/doccomment
btf=fuzz/corpus/btf_schema
http=fuzz/corpus/http
json=fuzz/corpus/json
embed=fuzz/corpus/embed
rm -rf "$doc" "$btf" "$http" "$json" "$embed"
mkdir -p "$doc" "$btf" "$http" "$json" "$embed"

# ---- doc comments: the programs as written ----
for f in $(find tests/programs -name '*.c' -o -name '*.h' | sort); do
	name=$(echo "${f#tests/programs/}" | tr / -)
	cp "$f" "$doc/$name"
done

# ---- doc comments: edge cases ----
edge() { printf "$2" > "$doc/edge-$1"; }
edge empty ''
edge slashes-only '///'
edge four-slashes '//// not a doc comment\nconst volatile int x = 0;\n'
edge description-quoted '/// @description "Process ID to trace"\nconst volatile int pid_target = 0;\n'
edge description-unquoted '/// @description Process ID to trace\nconst volatile int pid_target = 0;\n'
edge description-unterminated-quote '/// @description "no closing quote\nconst volatile int x = 0;\n'
edge description-empty '/// @description\n/// @description ""\nconst volatile bool b;\n'
edge description-escapes '/// @description "a \\"quoted\\" word\\\\"\nconst volatile char tag[8] = "none";\n'
edge tags-only '/// @sample\n/// @unit usecs\nstruct {\n\t__uint(type, BPF_MAP_TYPE_HASH);\n} hist SEC(".maps");\n'
edge unit-no-word '/// @unit\n/// @unit  \n/// @sample @unit\nstruct { int a; } m SEC(".maps");\n'
edge unknown-tag '/// @license GPL\n/// @\n/// @@@\nchar LICENSE[] SEC("license") = "GPL";\n'
edge program-above-license '/// Trace everything.\n/// Twice.\nchar LICENSE[] SEC("license") = "Dual BSD/GPL";\n'
edge program-standalone '/// A program described by a block standing alone.\n\nconst volatile int a = 1;\n'
edge no-declaration '/// dangling at the end of the file'
edge no-newline-at-end '/// @description "x"\nconst volatile int x'
edge crlf '/// @description "crlf"\r\nconst volatile int crlf = 0;\r\n'
edge cr-only '/// a\r/// b\rconst volatile int cr = 0;\r'
edge tabs-and-spaces '\t ///\t@description\t"tabs"  \n   const   volatile\tunsigned  long long   spaced  =  0 ;\n'
edge multiline-declaration '/// Spread over lines.\nconst volatile\nint\nspread\n=\n3;\n'
edge array-and-pointer '/// arr\nconst volatile int arr[4];\n/// ptr\nconst volatile char *const ptr;\n'
edge function-not-variable '/// a function\nstatic int f(int a) { return a; }\n'
edge unterminated-block-comment '/* never closed\n/// @description "inside a comment"\nconst volatile int hidden = 0;\n'
edge block-comment-around '/* a */ /// @description "after a block comment"\nconst volatile int after = 0; /* b\n'
edge line-comment-continued '// continued \\\n/// @description "continued line"\nconst volatile int cont = 0;\n'
edge string-with-slashes 'const char *s = "/// not a comment";\n/// real\nconst volatile int r = 0;\n'
edge nul-bytes '/// @description "nul\000inside"\nconst volatile int\000 n = 0;\n\000'
edge high-bytes '/// @description "\303\251t\303\251 \377\376 \200"\nconst volatile int \351t\351 = 0;\n'
edge control-bytes '/// \001\002\033[31m red \033[0m\nconst volatile int ctl = 0;\n'
edge duplicate-names '/// first\nconst volatile int dup = 0;\n/// second\nconst volatile int dup = 1;\n'
edge identifier-edge '/// _\nconst volatile int _ = 0;\n/// digits\nconst volatile int x1_2_3;\n/// 9bad\nconst volatile int 9bad;\n'
edge many-blocks "$(i=0; while [ $i -lt 200 ]; do printf '/// v%d\\nconst volatile int v%d = %d;\\n' $i $i $i; i=$((i + 1)); done)"
edge long-line "/// $(head -c 9000 /dev/zero | tr '\0' 'x')\\nconst volatile int long_doc = 0;\\n"
edge long-declaration "/// d\\nconst volatile int $(head -c 9000 /dev/zero | tr '\0' 'y') = 0;\\n"
edge json-cmdarg '/// @cmdarg {"default": 0, "short": "p", "long": "pid", "help": "a @ b"}\nconst volatile int pid = 0;\n'
edge json-cmdarg-bool '/// @cmdarg {"default": true, "long": "x-y"}\nconst volatile bool on;\n'
edge json-cmdarg-bad '/// @cmdarg {"short": "pp", "default": [1, {"a": null}], "long": "-x"}\nconst volatile int a;\n/// @cmdarg {"default": 1e300}\nconst volatile int b;\n'
edge json-cmdarg-cut '/// @cmdarg {"short": "p", "help": "unterminated\nconst volatile int c;\n'
edge json-cmdarg-multiline '/// @cmdarg {\n///   "long": "pid",\n///   "default": -9007199254740992\n/// }\nconst volatile long long pid;\n'
edge json-sample '/// @sample {"interval": 1000, "type": "log2_hist", "unit": "usecs", "clear_map": true}\nstruct { int a; } h SEC(".maps");\n'
edge json-sample-linear '/// @sample {"type": "linear_hist", "step": 4, "min": -8, "max": 56}\nstruct { int a; } l SEC(".maps");\n'
edge json-sample-bad '/// @sample {"type": "log3", "interval": -1, "step": 0.5, "clear_map": "yes", "x": {}}\nstruct { int a; } b SEC(".maps");\n'
edge json-nested-braces '/// @tchook {"a": {"b": [1, {"c": "}"}]}, "d": "\\\\\\""}\n/// @tcopts {"handle": 1}\nSEC("tc") int t(void *c) { return 0; }\n'
edge json-unknown-tag '/// @intepreter {"stack_trace": {"field_map": {"pid": "pid"}}}\n/// @frobnicate [1, 2\nint x;\n'
edge license-tags '/// @brief   Brief.\n/// @details Line one\n/// line two.\n/// @version 1.2.3\n/// @version\nchar LICENSE[] SEC("license") = "GPL";\n'
edge export-struct '/// @export\nstruct event {\n\tint pid;\n};\n/// @export\nunion u { int a; };\n/// @export\nint notastruct;\n'
edge json-key-newline '/// @cmdarg {"a\\nb": 1}\nint a;\n'
edge xdp-tags '/// @ifindex 1\n/// @flags\n/// @xdpopts {"old_prog_fd": 0}\nSEC("xdp") int x(void *c) { return 0; }\n'

# ---- BTF: the programs compiled as procsnoop run compiles them ----
"$BPFTOOL" btf dump file /sys/kernel/btf/vmlinux format c > "$tmp/vmlinux.h"
extract() { # NAME OBJ: the raw .BTF section, kept when small enough
	"$OBJCOPY" --dump-section ".BTF=$tmp/$1.btf" "$2" 2>/dev/null || return 0
	if [ "$(wc -c < "$tmp/$1.btf")" -le $MAX ]; then
		cp "$tmp/$1.btf" "$btf/$1.btf"
	else
		echo "make-corpus: $1: .BTF larger than $MAX bytes, left out" >&2
	fi
}
for f in $(find tests/programs -name '*.bpf.c' ! -path '*/bad/*' | sort); do
	name=$(echo "${f#tests/programs/}" | sed 's/\.bpf\.c$//' | tr / -)
	"$CLANG" -target bpf -g -O2 -D__TARGET_ARCH_"$ARCH" -w -I"$tmp" -I"$(dirname "$f")" \
		-fdebug-prefix-map="$PWD"=. -c "$f" -o "$tmp/$name.o"
	extract "$name" "$tmp/$name.o"
done
cat > "$tmp/types.c" <<'TYPES'
typedef unsigned char u8;
typedef u8 byte_t;
typedef const volatile byte_t cv_byte;
enum small { S_NEG = -1, S_ZERO = 0, S_BIG = 0x7fffffff };
enum flags { F_A = 1, F_B = 2, F_C = 4 };
typedef enum { ANON_A, ANON_B } anon_enum;
struct point { int x, y; };
union word { unsigned int u; int s; unsigned char b[4]; float f; };
struct bits {
	unsigned int a : 1, b : 3, c : 12;
	int neg : 5;
	unsigned long long wide : 40;
	_Bool flag : 1;
};
struct everything {
	char c; signed char sc; unsigned char uc; _Bool bl;
	short sh; unsigned short ush; int i; unsigned int ui;
	long l; unsigned long ul; long long ll; unsigned long long ull;
	__int128 i128; unsigned __int128 u128;
	float f; double d;
	char name[16]; unsigned char raw[3][5]; int matrix[2][2][2];
	enum small e; enum flags fl; anon_enum ae;
	struct point pt; struct point pts[3];
	union word w; struct bits bits;
	struct { int inner_a; union { int ia; char ib[4]; }; } nested;
	struct everything *self; void *vp; const char *str; int (*fn)(int, char *);
	cv_byte cvb; byte_t bytes[2];
	int zero[0];
};
struct empty {};
struct deep4 { int v; };
struct deep3 { struct deep4 d; struct deep4 arr[2]; };
struct deep2 { struct deep3 d; };
struct deep1 { struct deep2 d; };
struct deep1 g_deep;
struct everything g_everything;
struct empty g_empty;
union word g_word;
struct bits g_bits[2];
char LICENSE[] __attribute__((section("license"))) = "GPL";
__attribute__((section("tracepoint/x"), used)) int prog(struct everything *e) { return e->i; }
TYPES
# Prefix maps keep directory names out of the line info: the same bytes from any checkout.
"$CLANG" -target bpf -g -O2 -w -fdebug-prefix-map="$tmp"=/corpus -c "$tmp/types.c" \
	-o "$tmp/types.o"
extract types "$tmp/types.o"

# ---- BTF: small blobs a parser must survive: a header only, cut short, bad magic ----
head -c 24 "$btf/types.btf" > "$btf/edge-header-only.btf"
head -c 100 "$btf/types.btf" > "$btf/edge-truncated.btf"
{ printf '\353\237'; tail -c +3 "$btf/types.btf"; } > "$btf/edge-other-endian-magic.btf"
{ printf '\000\000'; tail -c +3 "$btf/types.btf"; } > "$btf/edge-bad-magic.btf"

# ---- HTTP request heads ----
req() { printf "$2" > "$http/$1"; }
req get-metrics 'GET /metrics HTTP/1.1\r\nHost: 127.0.0.1:9545\r\nUser-Agent: Prometheus/2.42.0\r\nAccept: text/plain;version=0.0.4;q=1,*/*;q=0.1\r\nAccept-Encoding: gzip\r\nX-Prometheus-Scrape-Timeout-Seconds: 10\r\n\r\n'
req head-root-1.0 'HEAD / HTTP/1.0\n\n'
req query 'GET /metrics?name[]=a&x=%%20 HTTP/1.1\r\nHost: h\r\n\r\n'
req absolute 'GET http://[::1]:9545/metrics?q HTTP/1.1\r\nHost: [::1]:9545\r\n\r\n'
req absolute-no-path 'GET https://h HTTP/1.1\r\nHost: h\r\n\r\n'
req options-star 'OPTIONS * HTTP/1.1\r\nHost: h\r\n\r\n'
req connect 'CONNECT h:443 HTTP/1.1\r\nHost: h:443\r\n\r\n'
req post-body 'POST /metrics HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhello'
req empty-lines-first '\r\n\n\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n'
req no-host 'GET /metrics HTTP/1.1\r\n\r\n'
req two-hosts 'GET / HTTP/1.1\r\nHost: a\r\nhost: b\r\n\r\n'
req folded 'GET / HTTP/1.1\r\nHost: h\r\nX: a\r\n\tb\r\n\r\n'
req space-before-colon 'GET / HTTP/1.1\r\nHost : h\r\n\r\n'
req no-colon 'GET / HTTP/1.1\r\nHost: h\r\nthis is no header\r\n\r\n'
req bad-length 'GET / HTTP/1.1\r\nHost: h\r\nContent-Length: 1, 1\r\n\r\n'
req length-and-chunked 'GET / HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n'
req version-2 'GET / HTTP/2.0\r\n\r\n'
req version-long 'GET / HTTP/1.10\r\n\r\n'
req bare-cr 'GET / HTTP/1.1\rHost: h\r\n\r\n'
req nul 'GET /\000 HTTP/1.1\r\nHost: h\r\n\r\n'
req high-bytes 'GET /\303\251 HTTP/1.1\r\nHost: h\r\nX: caf\303\251\r\n\r\n'
req bad-percent 'GET /%%zz%% HTTP/1.1\r\nHost: h\r\n\r\n'
req garbage 'GARBAGE\r\n\r\n'
req tls-hello '\026\003\001\002\000\001\000\001\374\003\003'
req cut-short 'GET /metrics HTTP/1.1\r\nHost: h\r\n'
req long-line "GET /$(head -c 9000 /dev/zero | tr '\0' 'a') HTTP/1.1\r\nHost: h\r\n\r\n"
req long-headers "GET / HTTP/1.1\r\nHost: h\r\nX: $(head -c 9000 /dev/zero | tr '\0' 'b')\r\n\r\n"

# ---- JSON: the state files procsnoop reads, and each way to be bad ----
js() { printf '%s' "$2" > "$json/$1"; }
id=e51414b27ea8236dae76dd24cddb7b0c8a3a915464c4d0857275dab5a5355829
img=d92e05b2238149c6d77e08f80f6cf1fe27059c7de64b54c5249315434511b618
js podman-containers "[{\"id\":\"$id\",\"names\":[\"web\"],\"image\":\"$img\",\
\"metadata\":\"{\\\"image-name\\\":\\\"localhost/app:latest\\\",\\\"name\\\":\\\"web\\\"}\",\
\"created\":\"2026-12-04T20:19:58.178510265Z\",\"flags\":{\"MountLabel\":\"\"}}]"
js podman-images "[{\"id\":\"$img\",\"names\":[\"localhost/app:latest\"],\"big-data-sizes\":{\"manifest\":343}}]"
js docker-config '{"ID":"'$id'","Name":"/web","Config":{"Image":"nginx:1.25","Env":["A=1"]},"State":{"Pid":1234,"Running":true}}'
js empty-array '[]'
js empty-object '{}'
js escapes '"\u00e9\ud83d\ude00\ud800x\n\t\"\\\/"'
js scalars '[1, -2.5e3, 0.1, true, false, null, "x"]'
js too-deep "$(head -c 70 /dev/zero | tr '\0' '[')1$(head -c 70 /dev/zero | tr '\0' ']')"
js cut-short '{"a":'
js no-colon '{"a" 1}'
js control-char "$(printf '["\001"]')"
js duplicate-key '{"a":1,"a":2}'
js spaces "$(printf ' \n\t {"k" : [ 1 , 2 ] } \r')"

# ---- --build's section: as written for some programs, and each way to be broken ----
section() { # NAME EVENT-TYPE SOURCE: the section for a program
	printf 'procsnoop-run 1\nname %s\nsource-name %s.bpf.c\n' "$1" "$1"
	[ -z "$2" ] || printf 'event-type %s\n' "$2"
	printf 'source %s\n' "$(wc -c < "$3")"
	cat "$3"
}
section features event tests/programs/features/features.bpf.c > "$embed/features"
section annotations sig_event tests/programs/annotations/annotations.bpf.c > "$embed/annotations"
section tc packet tests/programs/net/tc.bpf.c > "$embed/tc"
section sigsnoop "" tests/programs/seed000/sigsnoop.bpf.c > "$embed/seed000"
eb() { printf "$2" > "$embed/edge-$1"; }
eb empty ''
eb magic-only 'procsnoop-run 1\n'
eb other-version 'procsnoop-run 2\nname x\nsource-name x.bpf.c\nsource 0\n'
eb empty-source 'procsnoop-run 1\nname x\nsource-name x.bpf.c\nsource 0\n'
eb size-too-big 'procsnoop-run 1\nname x\nsource-name x.bpf.c\nsource 99\nabc'
eb size-too-small 'procsnoop-run 1\nname x\nsource-name x.bpf.c\nsource 1\nabc'
eb size-negative 'procsnoop-run 1\nname x\nsource-name x.bpf.c\nsource -1\n'
eb size-huge 'procsnoop-run 1\nname x\nsource-name x.bpf.c\nsource 18446744073709551616\n'
eb no-source-name 'procsnoop-run 1\nname x\nsource 0\n'
eb no-newline 'procsnoop-run 1\nname x'
eb nul-in-name 'procsnoop-run 1\nname x\000y\nsource-name x.bpf.c\nsource 0\n'

echo "make-corpus: $(ls "$embed" | wc -l) section inputs"
echo "make-corpus: $(ls "$doc" | wc -l) doc-comment inputs, $(ls "$btf" | wc -l) BTF inputs," \
	"$(ls "$http" | wc -l) HTTP inputs, $(ls "$json" | wc -l) JSON inputs," \
	"$(du -sk fuzz/corpus | cut -f1) KiB"
