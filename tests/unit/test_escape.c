// SPDX-License-Identifier: GPL-2.0
#include "lib/strbuf.h"
#include "unit.h"

static const char *table(const char *s, size_t n, size_t *cols)
{
	static struct strbuf sb;

	strbuf__reset(&sb);
	*cols = escape__table(&sb, s, n);
	return sb.buf ? sb.buf : "";
}

static const char *json(const char *s, size_t n, bool *invalid)
{
	static struct strbuf sb;

	strbuf__reset(&sb);
	*invalid = escape__json(&sb, s, n);
	return sb.buf ? sb.buf : "";
}

TEST(table_escaping)
{
	size_t cols;

	CHECK_STR(table("plain", 5, &cols), "plain");
	CHECK_INT(cols, 5);
	CHECK_STR(table("a b", 3, &cols), "a b");
	CHECK_STR(table("a\nb", 3, &cols), "a\\nb");
	CHECK_INT(cols, 4);
	CHECK_STR(table("tab\there", 8, &cols), "tab\\there");
	CHECK_STR(table("back\\slash", 10, &cols), "back\\\\slash");
	CHECK_STR(table("\x01\x7f", 2, &cols), "\\x01\\x7f");
	CHECK_INT(cols, 8);
	CHECK_STR(table("caf\xc3\xa9", 5, &cols), "caf\xc3\xa9");
	CHECK_INT(cols, 4);
	CHECK_STR(table("bad\xff", 4, &cols), "bad\\xff");
	/* A truncated sequence, an overlong form and a surrogate are invalid. */
	CHECK_STR(table("\xe2\x82", 2, &cols), "\\xe2\\x82");
	CHECK_STR(table("\xc0\xaf", 2, &cols), "\\xc0\\xaf");
	CHECK_STR(table("\xed\xa0\x80", 3, &cols), "\\xed\\xa0\\x80");
	/* Runs of plain bytes end at n, at a NUL, and at each byte that is escaped. */
	CHECK_STR(table("abcdef", 3, &cols), "abc");
	CHECK_INT(cols, 3);
	CHECK_STR(table("ab\0cd", 5, &cols), "ab\\x00cd");
	CHECK_INT(cols, 8);
	CHECK_STR(table("x\x01yz\\w\xc3\xa9!", 9, &cols), "x\\x01yz\\\\w\xc3\xa9!");
	CHECK_INT(cols, 12);
}

TEST(json_escaping)
{
	bool invalid;

	CHECK_STR(json("plain", 5, &invalid), "plain");
	CHECK(!invalid);
	CHECK_STR(json("q\"b\\", 4, &invalid), "q\\\"b\\\\");
	CHECK_STR(json("n\nt\tr\r", 6, &invalid), "n\\nt\\tr\\r");
	CHECK_STR(json("\x01\x1f\x7f", 3, &invalid), "\\u0001\\u001f\\u007f");
	CHECK(!invalid);
	CHECK_STR(json("\xe2\x82\xac", 3, &invalid), "\xe2\x82\xac");
	CHECK(!invalid);
	CHECK_STR(json("a\xff", 2, &invalid), "a\\ufffd");
	CHECK(invalid);
	CHECK_STR(json("\xf0\x9f\x98\x80", 4, &invalid), "\xf0\x9f\x98\x80");
	CHECK(!invalid);
	CHECK_STR(json("a\"bc", 2, &invalid), "a\\\"");
	CHECK_STR(json("ab\0~\x7f", 5, &invalid), "ab\\u0000~\\u007f");
	CHECK(!invalid);
	CHECK_STR(json("\xf4\x90\x80\x80", 4, &invalid), "\\ufffd\\ufffd\\ufffd\\ufffd");
}

TEST(hex_bytes)
{
	struct strbuf sb = {};

	escape__hex(&sb, "\x00\xff a", 4);
	CHECK_STR(sb.buf, "00ff2061");
	strbuf__free(&sb);
}

TEST(strbuf_grows)
{
	struct strbuf sb = {};

	for (int i = 0; i < 10000; i++)
		strbuf__addc(&sb, 'x');
	CHECK_INT(sb.len, 10000);
	strbuf__addf(&sb, "%d", 42);
	CHECK_INT(sb.len, 10002);
	CHECK(!sb.oom);
	strbuf__free(&sb);
}
