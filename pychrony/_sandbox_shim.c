/*
 * LD_PRELOAD shim for the sandboxed client chronyd (pychrony.sandbox).
 *
 * 1. A resolver that is down for one domain: getaddrinfo() answers EAI_AGAIN
 *    ("try again later") for names in the reserved .invalid domain, without
 *    sending a query anywhere, and passes every other name to the C library.
 *    chronyd keeps a source whose name cannot be resolved yet as a placeholder
 *    and retries, which is what a server booting without network shows.
 *    $PYCHRONY_SANDBOX_HOSTS ("NAME=ADDRESS NAME=ADDRESS") names loopback
 *    addresses, as /etc/hosts would: chronyd 4.0 needs a name for NTS-KE.
 *
 * 2. A real-time clock where the machine has none: opening the path named by
 *    $PYCHRONY_SANDBOX_RTC gives the read end of a pipe standing in for
 *    /dev/rtc, and ioctl() on it answers what chronyd's rtc_linux.c asks:
 *    RTC_UIE_ON/RTC_UIE_OFF switch a once-a-second "update interrupt" (an
 *    unsigned long with RTC_UF set, written into the pipe at each second
 *    boundary, as the kernel's read() returns), RTC_RD_TIME reads the clock
 *    (the system's UTC time plus whatever offset RTC_SET_TIME set) and
 *    RTC_SET_TIME sets it. Every other descriptor goes to the C library.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/rtc.h>
#include <netdb.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

typedef int (*getaddrinfo_fn)(const char *, const char *, const struct addrinfo *,
                              struct addrinfo **);
typedef int (*open_fn)(const char *, int, ...);
typedef int (*ioctl_fn)(int, unsigned long, ...);

static int in_unresolvable_domain(const char *node)
{
    static const char suffix[] = ".invalid";
    size_t length = node ? strlen(node) : 0;

    return length >= sizeof(suffix) - 1 &&
           strcmp(node + length - (sizeof(suffix) - 1), suffix) == 0;
}

/* The address $PYCHRONY_SANDBOX_HOSTS gives node, copied into buffer; NULL if none. */
static const char *sandbox_host(const char *node, char *buffer, size_t size)
{
    const char *hosts = getenv("PYCHRONY_SANDBOX_HOSTS");
    size_t length = node ? strlen(node) : 0;

    while (hosts != NULL && length > 0 && *hosts != '\0') {
        const char *end = strchr(hosts, ' ');
        size_t entry = end ? (size_t)(end - hosts) : strlen(hosts);

        if (entry > length + 1 && strncmp(hosts, node, length) == 0 && hosts[length] == '=' &&
            entry - length - 1 < size) {
            memcpy(buffer, hosts + length + 1, entry - length - 1);
            buffer[entry - length - 1] = '\0';
            return buffer;
        }
        hosts = end ? end + 1 : NULL;
    }
    return NULL;
}

int getaddrinfo(const char *node, const char *service, const struct addrinfo *hints,
                struct addrinfo **res)
{
    /* Looked up on each call: cheap next to a name lookup, and no shared state. */
    getaddrinfo_fn real = (getaddrinfo_fn)dlsym(RTLD_NEXT, "getaddrinfo");
    char address[64];
    const char *mapped;

    if (in_unresolvable_domain(node))
        return EAI_AGAIN;
    if (real == NULL)
        return EAI_SYSTEM;
    mapped = sandbox_host(node, address, sizeof(address));
    if (mapped != NULL) {
        struct addrinfo numeric = {0};

        if (hints != NULL)
            numeric = *hints;
        numeric.ai_flags |= AI_NUMERICHOST;
        numeric.ai_flags &= ~AI_CANONNAME;
        return real(mapped, service, &numeric, res);
    }
    return real(node, service, hints, res);
}

/* --- the emulated RTC ---------------------------------------------------- */

#define MAX_RTC_OPENS 4 /* chronyd opens the device once, twice with -s */

struct rtc_handle {
    int read_fd;    /* what chronyd holds; -1 when the slot is free */
    int write_fd;   /* where the ticker writes the interrupts */
    int interrupts; /* update interrupts switched on */
};

static pthread_mutex_t rtc_lock = PTHREAD_MUTEX_INITIALIZER;
static struct rtc_handle rtc_handles[MAX_RTC_OPENS] = {{-1, -1, 0}, {-1, -1, 0}, {-1, -1, 0},
                                                       {-1, -1, 0}};
static int rtc_ticker_started;
static time_t rtc_offset; /* RTC time minus system time, seconds */

static int is_rtc_path(const char *path)
{
    const char *rtc = getenv("PYCHRONY_SANDBOX_RTC");

    return rtc != NULL && *rtc != '\0' && path != NULL && strcmp(path, rtc) == 0;
}

/* The handle of descriptor fd; call with rtc_lock held. */
static struct rtc_handle *rtc_handle_of(int fd)
{
    for (int i = 0; i < MAX_RTC_OPENS; i++)
        if (fd >= 0 && rtc_handles[i].read_fd == fd)
            return &rtc_handles[i];
    return NULL;
}

static void *rtc_ticker(void *unused)
{
    (void)unused;
    for (;;) {
        struct timespec now, pause;
        unsigned long data = RTC_UF | (1UL << 8); /* one update interrupt */

        /* Sleep to the next second boundary, where a real RTC ticks. */
        clock_gettime(CLOCK_REALTIME, &now);
        pause.tv_sec = 0;
        pause.tv_nsec = 1000000000L - now.tv_nsec;
        nanosleep(&pause, NULL);
        pthread_mutex_lock(&rtc_lock);
        for (int i = 0; i < MAX_RTC_OPENS; i++) {
            struct rtc_handle *h = &rtc_handles[i];
            /* The write end is non-blocking: a full pipe drops the tick. */
            if (h->read_fd >= 0 && h->interrupts && write(h->write_fd, &data, sizeof(data)) < 0)
                continue;
        }
        pthread_mutex_unlock(&rtc_lock);
    }
    return NULL;
}

static int open_rtc(void)
{
    int fds[2], fd = -1;
    pthread_t thread;

    pthread_mutex_lock(&rtc_lock);
    struct rtc_handle *slot = NULL;
    for (int i = 0; i < MAX_RTC_OPENS && slot == NULL; i++)
        if (rtc_handles[i].read_fd < 0)
            slot = &rtc_handles[i];
    if (slot == NULL) {
        errno = EBUSY;
    } else if (pipe2(fds, O_CLOEXEC) == 0) {
        fcntl(fds[1], F_SETFL, O_NONBLOCK);
        slot->read_fd = fd = fds[0];
        slot->write_fd = fds[1];
        slot->interrupts = 0;
        if (!rtc_ticker_started && pthread_create(&thread, NULL, rtc_ticker, NULL) == 0) {
            pthread_detach(thread);
            rtc_ticker_started = 1;
        }
    }
    pthread_mutex_unlock(&rtc_lock);
    return fd;
}

static void fill_rtc_time(struct rtc_time *rt, time_t t)
{
    struct tm tm;

    gmtime_r(&t, &tm);
    memset(rt, 0, sizeof(*rt));
    rt->tm_sec = tm.tm_sec;
    rt->tm_min = tm.tm_min;
    rt->tm_hour = tm.tm_hour;
    rt->tm_mday = tm.tm_mday;
    rt->tm_mon = tm.tm_mon;
    rt->tm_year = tm.tm_year;
    rt->tm_wday = tm.tm_wday;
    rt->tm_yday = tm.tm_yday;
}

static time_t rtc_time_value(const struct rtc_time *rt)
{
    struct tm tm;

    memset(&tm, 0, sizeof(tm));
    tm.tm_sec = rt->tm_sec;
    tm.tm_min = rt->tm_min;
    tm.tm_hour = rt->tm_hour;
    tm.tm_mday = rt->tm_mday;
    tm.tm_mon = rt->tm_mon;
    tm.tm_year = rt->tm_year;
    return timegm(&tm);
}

/* Answers an RTC request on handle h; call with rtc_lock held. */
static int rtc_ioctl(struct rtc_handle *h, unsigned long request, void *arg)
{
    switch (request) {
    case RTC_UIE_ON:
    case RTC_UIE_OFF:
        h->interrupts = request == RTC_UIE_ON;
        return 0;
    case RTC_RD_TIME:
        fill_rtc_time(arg, time(NULL) + rtc_offset);
        return 0;
    case RTC_SET_TIME:
        rtc_offset = rtc_time_value(arg) - time(NULL);
        return 0;
    default:
        errno = ENOTTY;
        return -1;
    }
}

static int open_common(const char *name, const char *path, int flags, va_list ap)
{
    open_fn real = (open_fn)dlsym(RTLD_NEXT, name);
    mode_t mode = (flags & (O_CREAT | O_TMPFILE)) ? va_arg(ap, mode_t) : 0;

    if (is_rtc_path(path))
        return open_rtc();
    if (real == NULL) {
        errno = ENOSYS;
        return -1;
    }
    return real(path, flags, mode);
}

int open(const char *path, int flags, ...)
{
    va_list ap;
    int fd;

    va_start(ap, flags);
    fd = open_common("open", path, flags, ap);
    va_end(ap);
    return fd;
}

int open64(const char *path, int flags, ...)
{
    va_list ap;
    int fd;

    va_start(ap, flags);
    fd = open_common("open64", path, flags, ap);
    va_end(ap);
    return fd;
}

int ioctl(int fd, unsigned long request, ...)
{
    ioctl_fn real = (ioctl_fn)dlsym(RTLD_NEXT, "ioctl");
    va_list ap;
    void *arg;
    int result;

    va_start(ap, request);
    arg = va_arg(ap, void *);
    va_end(ap);
    pthread_mutex_lock(&rtc_lock);
    struct rtc_handle *h = rtc_handle_of(fd);
    if (h != NULL) {
        result = rtc_ioctl(h, request, arg);
        pthread_mutex_unlock(&rtc_lock);
        return result;
    }
    pthread_mutex_unlock(&rtc_lock);
    if (real == NULL) {
        errno = ENOSYS;
        return -1;
    }
    return real(fd, request, arg);
}

int close(int fd)
{
    typedef int (*close_fn)(int);
    close_fn real = (close_fn)dlsym(RTLD_NEXT, "close");

    pthread_mutex_lock(&rtc_lock);
    struct rtc_handle *h = rtc_handle_of(fd);
    if (h != NULL) {
        if (real != NULL)
            real(h->write_fd);
        h->read_fd = h->write_fd = -1;
        h->interrupts = 0;
    }
    pthread_mutex_unlock(&rtc_lock);
    return real != NULL ? real(fd) : (errno = ENOSYS, -1);
}
