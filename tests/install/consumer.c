/* consumer.c - a program outside the tree that uses the installed library */
#include <bounce.h>
#include <stdio.h>
#include <string.h>

int main(void)
{
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
