/*
 * pychrony's own C helpers, compiled into the extension after libchrony's
 * declarations and pychrony_helpers.h (build_ffi.py's c_source() appends
 * both to the source it gives cffi), so it is no translation unit of its
 * own: chrony_session, the CHRONY_* constants, <stdint.h> and <time.h> come
 * from there. Declared for cffi in pychrony_helpers.h.
 *
 * Reading a record field by field costs five crossings of the Python/C
 * boundary per field (name, type, content, value, string copy); this reads
 * the whole record in one. See pychrony/_core/records.py.
 */
#include <string.h>

/* Append n bytes of src at out[*used]; 0 when they do not fit. */
static int pychrony_put(char *out, int size, int *used, const void *src, size_t n)
{
    if (n > (size_t)(size - *used))
        return 0;
    memcpy(out + *used, src, n);
    *used += (int)n;
    return 1;
}

/*
 * Read every field of the record libchrony holds for s into out, as:
 *
 *   the layout: per field, its type and content as one byte each, then its
 *   name and a NUL (a field without a name: type 0xff and no name). Equal
 *   layout bytes mean equal names, types and contents, so the caller may
 *   cache what it derives.
 *
 *   zero padding to a multiple of 8, then one 8-byte slot per named field in
 *   native order: UINTEGER as uint64; INTEGER as int64, 16-bit values
 *   sign-extended (libchrony returns them zero-extended: a poll of -2 comes
 *   back as 65534); FLOAT as double; STRING as the int64 offset of its copy
 *   in out (-1 for NULL); any other type as 0. TIMESPEC takes two slots:
 *   seconds and nanoseconds, as int64, read as chronyc reads them.
 *
 *   the strings, each with its NUL.
 *
 * Returns the layout's length times 65536 plus the bytes used (size must be
 * below 65536), so one call answers both; -1 when out is too small (the
 * caller then reads field by field). libchrony formats strings into one
 * static buffer: the caller must hold the lock that serialises string reads.
 */
int pychrony_read_record(chrony_session *s, char *out, int size)
{
    enum { MAX_FIELDS = 256 };
    const char *names[MAX_FIELDS];
    unsigned char types[MAX_FIELDS];
    int n = chrony_get_record_number_fields(s);
    int used = 0, slots, text, layout_len;

    if (n < 0 || n > MAX_FIELDS || size < 0 || size > 0xffff)
        return -1;
    /* Ask libchrony for each name, type and content once. */
    slots = 0;
    for (int i = 0; i < n; i++) {
        unsigned char head[2];
        names[i] = chrony_get_field_name(s, i);
        types[i] = (unsigned char)chrony_get_field_type(s, i);
        head[0] = names[i] ? types[i] : 0xff;
        head[1] = (unsigned char)chrony_get_field_content(s, i);
        if (!pychrony_put(out, size, &used, head, 2))
            return -1;
        if (names[i]) {
            if (!pychrony_put(out, size, &used, names[i], strlen(names[i]) + 1))
                return -1;
            slots += types[i] == CHRONY_TYPE_TIMESPEC ? 2 : 1;
        }
    }
    if (used > 0x7fff)
        return -1;
    layout_len = used;

    /* The slots follow, 8-aligned; the strings follow the slots. */
    text = ((used + 7) & ~7) + 8 * slots;
    if (text > size)
        return -1;
    memset(out + used, 0, (size_t)(text - used));
    slots = (used + 7) & ~7;
    used = text;

    for (int i = 0; i < n; i++) {
        int64_t ival = 0;
        uint64_t uval;
        double fval;
        if (!names[i])
            continue;
        switch (types[i]) {
        case CHRONY_TYPE_UINTEGER:
            uval = chrony_get_field_uinteger(s, i);
            memcpy(out + slots, &uval, 8);
            break;
        case CHRONY_TYPE_INTEGER:
            ival = chrony_get_field_integer(s, i);
            if (ival >= 0x8000 && ival <= 0xffff)
                ival -= 0x10000;
            memcpy(out + slots, &ival, 8);
            break;
        case CHRONY_TYPE_FLOAT:
            fval = chrony_get_field_float(s, i);
            memcpy(out + slots, &fval, 8);
            break;
        case CHRONY_TYPE_TIMESPEC: {
            struct timespec ts = chrony_get_field_timespec(s, i);
            /* Read as chronyc reads it; the rule and its reasons are
               as_chronyc_reads() in pychrony/_core/timespec.py. */
            ival = (int64_t)ts.tv_sec;
            if (((uint64_t)ival >> 32) == 0x7fffffff)
                ival &= 0xffffffff;
            memcpy(out + slots, &ival, 8);
            slots += 8;
            ival = (int64_t)ts.tv_nsec;
            ival = ival < 0 ? 0 : ival > 999999999 ? 999999999 : ival;
            memcpy(out + slots, &ival, 8);
            break;
        }
        case CHRONY_TYPE_STRING: {
            const char *str = chrony_get_field_string(s, i);
            ival = str ? used : -1;
            memcpy(out + slots, &ival, 8);
            if (str && !pychrony_put(out, size, &used, str, strlen(str) + 1))
                return -1;
            break;
        }
        default:
            memcpy(out + slots, &ival, 8);
            break;
        }
        slots += 8;
    }
    return layout_len * 0x10000 + used;
}

/*
 * The exchange: send a request, wait for its reply against the call's
 * deadline, resend with the retry policy's doubling waits, and pack the
 * answer, all in one call, so Python crosses into C once per record (once
 * per report with pychrony_report) instead of once per libchrony call and
 * wait. CFFI releases the GIL around the call: other threads run while it
 * waits. The rules are those of pychrony/_core/session.py's exchange, which
 * calls these and keeps what needs Python: reopening a stale socket, mapping
 * errors to exceptions, running signal handlers, the exit cleanup.
 *
 * The state lives in a pychrony_exchange the session owns, so a call that
 * returns early (a signal, a failure Python cures by reopening, asyncio's
 * wait) resumes where it stopped: same attempt, same waits, same deadline.
 */
#include <errno.h>
#include <math.h>
#include <poll.h>
#include <pthread.h>

/* Serialises every read of libchrony's shared string buffer: pychrony's
 * string lock (pychrony/_core/records.py) holds it too. */
static pthread_mutex_t pychrony_strings = PTHREAD_MUTEX_INITIALIZER;

void pychrony_strings_lock(void)
{
    pthread_mutex_lock(&pychrony_strings);
}

void pychrony_strings_unlock(void)
{
    pthread_mutex_unlock(&pychrony_strings);
}

/* The longest single poll(), in seconds (poll takes a C int of ms). */
#define PYCHRONY_POLL_SLICE 3600.0

enum { PHASE_NEW, PHASE_SEND, PHASE_AWAIT, PHASE_IDLE };

static double pychrony_now(void)
{
    struct timespec ts;
    /* CLOCK_MONOTONIC: the clock of Python's time.monotonic(), which gives
     * the deadline. */
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int pychrony_ms(double seconds)
{
    if (seconds > PYCHRONY_POLL_SLICE)
        seconds = PYCHRONY_POLL_SLICE;
    seconds = ceil(seconds * 1000);
    return seconds < 1 ? 1 : (int)seconds;
}

/* End the exchange with libchrony's code and errno (read now), which
 * Python maps to an exception or cures by reopening. */
static int pychrony_failed(pychrony_exchange *x, int code)
{
    x->code = code;
    x->os_errno = errno;
    return PYCHRONY_FAILED;
}

/* Wait until fd (-1: none) is readable, the exit pipe wakes, or until.
 * Returns 1 readable, 0 time passed (or a spurious wake), or an outcome. */
static int pychrony_wait(pychrony_exchange *x, int fd, double until)
{
    struct pollfd p[2];
    int n = 0, r, wake;
    double remaining = until - pychrony_now();

    if (remaining <= 0)
        return 0;
    if (fd >= 0) {
        p[n].fd = fd;
        p[n++].events = POLLIN;
    }
    wake = n;
    if (x->wake_fd >= 0) {
        p[n].fd = x->wake_fd;
        p[n++].events = POLLIN;
    }
    r = poll(p, (nfds_t)n, pychrony_ms(remaining));
    if (r < 0) {
        if (errno == EINTR)
            return PYCHRONY_INTERRUPTED; /* Python runs its handlers, then resumes */
        return pychrony_failed(x, CHRONY_RECV_FAILED);
    }
    if (wake < n && p[wake].revents)
        return PYCHRONY_EXITING;
    return fd >= 0 && p[0].revents ? 1 : 0;
}

/* How long a PYCHRONY_NOWAIT exchange (asyncio's) waits in C for a reply
 * before returning PYCHRONY_WANT_READ, while x->grace is on. A chronyd on
 * this machine answers within about ten microseconds; waiting that long
 * holds the event loop up for less time than handing it the wait costs
 * (measured: ~20 us of the loop's own work per reply). The grace is earned:
 * it starts off, a reply within twice the grace of its request (as the loop
 * saw it) turns it on, and a reply that does not come within the grace
 * turns it off again. So a distant or busy chronyd, and a connection's first
 * request (many servers at once: pychrony.gather), leave every wait to the
 * event loop. */
#define PYCHRONY_GRACE 30e-6

/* The grace's one wait: ppoll(), whose timeout is finer than poll()'s
 * milliseconds. Returns 1 readable, 0 not (or interrupted: the event loop
 * waits instead). */
static int pychrony_glance(int fd, double seconds)
{
    struct pollfd p = {fd, POLLIN, 0};
    struct timespec ts = {0, (long)(seconds * 1e9)};
    return ppoll(&p, 1, &ts, NULL) > 0 && p.revents;
}

/* After a lost or damaged attempt: take the next (longer) wait and resend,
 * or end the exchange when the attempts or the deadline are used up. */
static int pychrony_resend_or_end(pychrony_exchange *x, int malformed)
{
    if (pychrony_now() < x->deadline && x->attempts < x->attempts_max) {
        if (x->wait_index + 1 < x->attempts_max)
            x->wait_index++;
        x->phase = PHASE_SEND;
        return 1;
    }
    x->malformed = malformed;
    return PYCHRONY_TIMEOUT;
}

/* Requests of ntpdata and authdata name a source by its address, which
 * libchrony formats in its shared string buffer (in chrony_request_record,
 * and in chrony_process_response when it sends that request itself): both
 * run under the string lock, or another session's record read at the same
 * time could copy this session's address. errno is the call's own. */
static int pychrony_send(chrony_session *s, const char *report, int index)
{
    int err, saved;
    pthread_mutex_lock(&pychrony_strings);
    if (index < 0)
        err = chrony_request_report_number_records(s, report);
    else
        err = chrony_request_record(s, report, index);
    saved = errno;
    pthread_mutex_unlock(&pychrony_strings);
    errno = saved;
    return err;
}

static int pychrony_process(chrony_session *s)
{
    int err, saved;
    pthread_mutex_lock(&pychrony_strings);
    err = chrony_process_response(s);
    saved = errno;
    pthread_mutex_unlock(&pychrony_strings);
    errno = saved;
    return err;
}

static int pychrony_would_block(int e)
{
    return e == EAGAIN || e == EWOULDBLOCK;
}

/* Run one request's exchange until it is answered (0) or an outcome < 0
 * needs Python. mode: PYCHRONY_RESUME continues the exchange in x instead
 * of starting one; PYCHRONY_READABLE says the socket became readable
 * (asyncio's answer); PYCHRONY_NOWAIT returns PYCHRONY_WANT_READ or
 * PYCHRONY_WANT_TIME instead of waiting. */
static int pychrony_run(chrony_session *s, pychrony_exchange *x, const char *report, int index,
                        int mode)
{
    int nowait = mode & PYCHRONY_NOWAIT, readable = mode & PYCHRONY_READABLE, r, err;

    if (!(mode & PYCHRONY_RESUME) || x->phase == PHASE_NEW) {
        x->phase = PHASE_SEND;
        x->attempts = x->wait_index = x->reopened = x->malformed = 0;
    }
    x->index = index;
    for (;;) {
        switch (x->phase) {
        case PHASE_SEND:
            x->attempts++;
            errno = 0;
            err = pychrony_send(s, report, index);
            x->sent = pychrony_now();
            x->graced = 0;
            x->until = x->sent + x->waits[x->wait_index];
            if (x->until > x->deadline)
                x->until = x->deadline;
            readable = 0;
            if (err == CHRONY_OK) {
                x->phase = PHASE_AWAIT;
            } else if (err == CHRONY_SEND_FAILED && pychrony_would_block(errno)) {
                x->phase = PHASE_IDLE; /* chronyd's queue is full: it is not reading */
            } else {
                /* Python reopens a stale socket (then resends at once) or fails. */
                return pychrony_failed(x, err);
            }
            break;
        case PHASE_AWAIT:
            if (!chrony_needs_response(s)) {
                x->phase = PHASE_NEW;
                return 0;
            }
            if (!readable) {
                if (pychrony_now() >= x->until) {
                    r = pychrony_resend_or_end(x, 0);
                    if (r < 0)
                        return r;
                    break;
                }
                if (nowait && (!x->grace || x->graced))
                    return PYCHRONY_WANT_READ;
                if (nowait) {
                    double left = x->until - pychrony_now();
                    x->graced = 1;
                    if (!pychrony_glance(x->fd, left < PYCHRONY_GRACE ? left : PYCHRONY_GRACE)) {
                        x->grace = 0;
                        return PYCHRONY_WANT_READ;
                    }
                    r = 1;
                } else {
                    r = pychrony_wait(x, x->fd, x->until);
                }
                if (r < 0)
                    return r;
                if (!r)
                    break;
            }
            readable = 0;
            errno = 0;
            err = pychrony_process(s);
            if (err == CHRONY_OK) {
                if (nowait && !x->grace && pychrony_now() - x->sent < 2 * PYCHRONY_GRACE)
                    x->grace = 1;
                break;
            }
            if (pychrony_would_block(errno) && err == CHRONY_RECV_FAILED)
                break; /* nothing to read after all: the request stays pending */
            if (pychrony_would_block(errno) && err == CHRONY_SEND_FAILED) {
                /* Answering ntpdata and authdata, libchrony sends a second
                 * request itself; that send found the queue full. */
                x->phase = PHASE_IDLE;
                break;
            }
            if (err == CHRONY_INVALID_RESPONSE) {
                /* A datagram damaged in transit (truncated): libchrony has
                 * given up on the request; resend now rather than fail. */
                r = pychrony_resend_or_end(x, 1);
                if (r < 0)
                    return r;
                break;
            }
            x->phase = PHASE_SEND; /* should Python reopen the socket */
            return pychrony_failed(x, err);
        case PHASE_IDLE:
            /* Nothing is pending: wait out the attempt without the socket. */
            if (pychrony_now() < x->until) {
                if (nowait)
                    return PYCHRONY_WANT_TIME;
                r = pychrony_wait(x, -1, x->until);
                if (r < 0)
                    return r;
                break;
            }
            r = pychrony_resend_or_end(x, 0);
            if (r < 0)
                return r;
            break;
        default:
            x->phase = PHASE_SEND;
            break;
        }
    }
}

/* Pack the record libchrony holds into out (at most 0xffff bytes of it),
 * under the string lock. */
static int pychrony_pack(chrony_session *s, char *out, int size)
{
    int lengths;
    if (size > 0xffff)
        size = 0xffff;
    pthread_mutex_lock(&pychrony_strings);
    lengths = pychrony_read_record(s, out, size);
    pthread_mutex_unlock(&pychrony_strings);
    return lengths;
}

int pychrony_request(chrony_session *s, pychrony_exchange *x, const char *report, int index,
                     double deadline, int mode)
{
    int r, lengths;
    if (!(mode & PYCHRONY_RESUME))
        x->deadline = deadline;
    r = pychrony_run(s, x, report, index, mode);
    if (r < 0)
        return r;
    if (index < 0) {
        x->count = chrony_get_report_number_records(s);
        return 0;
    }
    lengths = pychrony_pack(s, x->out, x->size);
    return lengths < 0 ? PYCHRONY_NO_ROOM : lengths;
}

int pychrony_report(chrony_session *s, pychrony_exchange *x, const char *report,
                    int max_records, double deadline, int mode)
{
    int r;
    if (!(mode & PYCHRONY_RESUME)) {
        x->deadline = deadline;
        x->index = -1;
        x->used = 0;
        x->phase = PHASE_NEW;
    }
    if (x->index < 0) {
        r = pychrony_run(s, x, report, -1, mode);
        if (r < 0)
            return r;
        x->count = chrony_get_report_number_records(s);
        if (x->count < 0 || x->count > max_records)
            return PYCHRONY_BAD_COUNT;
        x->index = 0;
        x->phase = PHASE_NEW;
        mode &= ~PYCHRONY_READABLE;
    }
    while (x->index < x->count) {
        int lengths, room;
        if (x->phase == PHASE_NEW && x->index > 0 && pychrony_now() >= x->deadline)
            return PYCHRONY_BUDGET; /* fast replies never meet a resend's check */
        r = pychrony_run(s, x, report, x->index, mode | PYCHRONY_RESUME);
        if (r < 0)
            return r;
        mode &= ~PYCHRONY_READABLE;
        /* Each record: its two lengths as an int32, then its bytes. */
        room = x->size - x->used - 4;
        lengths = room > 0 ? pychrony_pack(s, x->out + x->used + 4, room) : -1;
        if (lengths < 0)
            return PYCHRONY_NO_ROOM; /* record x->index is held: read it another way */
        memcpy(x->out + x->used, &lengths, 4);
        x->used += 4 + (lengths & 0xffff);
        x->index++;
    }
    return 0;
}
