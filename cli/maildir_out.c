/*
 * maildir_out.c - deliver a message into a Maildir (ingest --keep-other)
 *
 * The Maildir protocol: write the message under tmp/ with a name no other
 * delivery can take, fsync it, then link it into new/ and fsync new/. A
 * crash leaves at worst a file in tmp/, never a half message in new/, so
 * the caller may report success (and an MTA drop its copy) once this
 * returns 0.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include "maildir_out.h"

/* make_dir - mkdir that accepts an existing directory */
static int make_dir(const char *path)
{
    struct stat st;
    if (mkdir(path, 0700) == 0)
        return 0;
    if (errno == EEXIST && stat(path, &st) == 0 && S_ISDIR(st.st_mode))
        return 0;
    return errno == EEXIST ? ENOTDIR : errno;
}

/* make_maildir - dir and its tmp/, new/ and cur/ */
static int make_maildir(const char *dir)
{
    static const char *const sub[] = {"tmp", "new", "cur"};
    char path[4096];
    int err = make_dir(dir);
    for (size_t i = 0; !err && i < 3; i++) {
        if (snprintf(path, sizeof path, "%s/%s", dir, sub[i]) >= (int)sizeof path)
            return ENAMETOOLONG;
        err = make_dir(path);
    }
    return err;
}

/* host_part - the host name with '/' and ':' written as Maildir does
   (\057, \072), so the name stays one path component */
static void host_part(char *out, size_t cap)
{
    char host[256] = "localhost";
    size_t o = 0;
    gethostname(host, sizeof host - 1);
    for (const char *p = host; *p && o + 5 < cap; p++) {
        if (*p == '/' || *p == ':')
            o += (size_t)snprintf(out + o, cap - o, "\\%03o", (unsigned char)*p);
        else
            out[o++] = *p;
    }
    out[o] = '\0';
}

/* unique_name - time, microseconds, pid and a counter: no two deliveries
   on this host share it */
static void unique_name(char *out, size_t cap)
{
    static unsigned long count;
    struct timeval tv;
    char host[128];
    gettimeofday(&tv, NULL);
    host_part(host, sizeof host);
    snprintf(out, cap, "%lld.M%ldP%ldQ%lu.%s", (long long)tv.tv_sec, (long)tv.tv_usec,
             (long)getpid(), ++count, host);
}

/* write_all - every byte, through EINTR and short writes */
static int write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0)
            return errno;
        p += w, n -= (size_t)w;
    }
    return 0;
}

/* sync_dir - fsync a directory, so a name made in it survives a crash */
static int sync_dir(const char *path)
{
    int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return errno;
    int err = fsync(fd) == 0 ? 0 : errno;
    close(fd);
    return err;
}

/* write_tmp - the message into a new file tmp, synced */
static int write_tmp(const char *tmp, const char *buf, size_t len)
{
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0)
        return errno;
    int err = write_all(fd, buf, len);
    if (!err && fsync(fd) != 0)
        err = errno;
    if (close(fd) != 0 && !err)
        err = errno;
    return err;
}

/* maildir_deliver - buf into dir/new/ (dir made if missing); 0, or an errno
   value with nothing left in new/; name gets the file's path */
int maildir_deliver(const char *dir, const char *buf, size_t len, char *name, size_t cap)
{
    char file[256], tmp[4096], dst[4096], newdir[4096];
    int err = make_maildir(dir);
    if (err)
        return err;
    unique_name(file, sizeof file);
    if (snprintf(tmp, sizeof tmp, "%s/tmp/%s", dir, file) >= (int)sizeof tmp ||
        snprintf(dst, sizeof dst, "%s/new/%s", dir, file) >= (int)sizeof dst ||
        snprintf(newdir, sizeof newdir, "%s/new", dir) >= (int)sizeof newdir)
        return ENAMETOOLONG;
    err = write_tmp(tmp, buf, len);
    if (!err && link(tmp, dst) != 0)
        err = errno;
    unlink(tmp);
    if (!err && (err = sync_dir(newdir)) != 0)
        unlink(dst);
    if (!err)
        snprintf(name, cap, "%s", dst);
    return err;
}
