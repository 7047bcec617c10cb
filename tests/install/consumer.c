/* consumer.c - a program outside the tree that uses the installed library
 *
 * No argument: classify one reply and print the verdict. One argument: open
 * it as a store and print "store: <error name>: <message>", so that the
 * install test can see that a consumer of the static library reaches the
 * PostgreSQL backend (libpq is opened with dlopen, not linked). */
#include <bounce.h>
#include <stdio.h>
#include <string.h>

/* open_store - open uri, say what came of it */
static int open_store(const char *uri)
{
    bn_store *s = NULL;
    int rc = bn_store_open(&s, uri, NULL);
    printf("store: %s: %s\n", rc ? bn_strerror(rc) : "ok", bn_store_errmsg(s));
    bn_store_close(s);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc > 1)
        return open_store(argv[1]);
    const char *text = "550 5.1.1 <kim@example.com>: Recipient address rejected: User unknown";
    bn_reply r = {0};
    r.text = text;
    r.text_len = strlen(text);
    bn_verdict v;
    bn_classify(&v, &r);
    printf("%s %s %s %s\n", bn_version(), bn_reason_name(v.reason), v.status,
           bn_action_name(v.action));
    return 0;
}
