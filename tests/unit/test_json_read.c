// SPDX-License-Identifier: GPL-2.0
#include <string.h>
#include "lib/json_read.h"
#include "unit.h"

static struct json *parse(const char *s)
{
	return json__parse(s, strlen(s));
}

TEST(json_read_podman_state)
{
	struct json *v = parse("[{\"id\":\"abc\",\"names\":[\"web\",\"alias\"],"
			       "\"metadata\":\"{\\\"image-name\\\":\\\"localhost/app:latest\\\"}\","
			       "\"flags\":{}}]");
	const struct json *c = json__at(v, 0);
	struct json *meta;

	CHECK(v != NULL);
	CHECK_STR(json__str(json__get(c, "id")), "abc");
	CHECK_STR(json__str(json__at(json__get(c, "names"), 1)), "alias");
	CHECK(json__at(json__get(c, "names"), 2) == NULL);
	CHECK(json__get(c, "nosuch") == NULL);
	CHECK(json__str(json__get(c, "flags")) == NULL);
	meta = parse(json__str(json__get(c, "metadata")));
	CHECK_STR(json__str(json__get(meta, "image-name")), "localhost/app:latest");
	json__free(meta);
	json__free(v);
}

TEST(json_read_scalars_and_escapes)
{
	struct json *v = parse(" [1, -2.5e3, true, false, null, \"\\u00e9\\ud83d\\ude00\\ud800x\\n\\\"\\\\\\/\"] ");

	CHECK(v != NULL);
	CHECK_INT(v->len, 6);
	CHECK(json__at(v, 0)->type == JSON_NUMBER && json__at(v, 0)->n == 1);
	CHECK(json__at(v, 1)->n == -2500);
	CHECK(json__at(v, 2)->type == JSON_BOOL && json__at(v, 2)->b);
	CHECK(json__at(v, 3)->type == JSON_BOOL && !json__at(v, 3)->b);
	CHECK(json__at(v, 4)->type == JSON_NULL);
	/* é, U+1F600 from its surrogate pair, a lone surrogate as U+FFFD */
	CHECK_STR(json__str(json__at(v, 5)), "\xc3\xa9\xf0\x9f\x98\x80\xef\xbf\xbdx\n\"\\/");
	json__free(v);
}

TEST(json_read_refuses)
{
	const char *bad[] = { "", "{", "{\"a\":", "{\"a\" 1}", "[1,]", "[1 2]", "{\"a\":1,}",
			      "[\"\x01\"]", "\"\\x\"", "\"\\u12\"", "tru", "nul", "[1] x", "'a'",
			      "{1:2}", "\"open" };
	char deep[200];
	struct json *v;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK(parse(bad[i]) == NULL);
	memset(deep, '[', 100);
	deep[100] = 0;
	CHECK(parse(deep) == NULL);
	/* 64 levels are fine, 66 are not */
	memset(deep, '[', 64);
	memset(deep + 64, ']', 64);
	deep[128] = 0;
	v = parse(deep);
	CHECK(v != NULL);
	json__free(v);
}
