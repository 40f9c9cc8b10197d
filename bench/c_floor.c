/*
 * The benchmark's floor: the same request/poll/process/decode loop pychrony
 * runs, written directly against libchrony in C.
 *
 * Usage: c_floor ADDRESS
 * Then, on stdin, one command per line: "WORKLOAD COUNT" where WORKLOAD is
 * tracking, sources or status (tracking + sources + sourcestats). For each
 * command it prints one line: COUNT per-call durations in nanoseconds,
 * separated by spaces. The harness keeps this process alive and sends it
 * small batches in turn with the other contenders, so drift hits all alike.
 *
 * Every field of every record is read like pychrony reads it: name, type,
 * content and the value of its type (strings copied out), so the work
 * compared is the same.
 *
 * Compiled by bench/run.py at benchmark time against the installed libchrony;
 * with no chrony.h installed it is built with decl/chrony_api.h instead
 * (-DPYCHRONY_DECL).
 */

#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#ifdef PYCHRONY_DECL
#include <stdbool.h>
#include <stdint.h>
#include "chrony_api.h"
#else
#include <chrony.h>
#endif

#define REPLY_TIMEOUT_MS 2000

static chrony_session *session;
static int fd;
static volatile double sink; /* keeps the compiler from dropping the reads */

static long long now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void die(const char *what, chrony_err err)
{
    fprintf(stderr, "c_floor: %s: %s\n", what, chrony_get_error_string(err));
    exit(1);
}

/* Wait for and process replies until libchrony has its answer. */
static void await_reply(const char *what)
{
    struct pollfd pfd = {.fd = fd, .events = POLLIN};
    while (chrony_needs_response(session)) {
        int ready = poll(&pfd, 1, REPLY_TIMEOUT_MS);
        if (ready <= 0) {
            fprintf(stderr, "c_floor: %s: no reply\n", what);
            exit(1);
        }
        chrony_err err = chrony_process_response(session);
        if (err != CHRONY_OK)
            die(what, err);
    }
}

static void read_record(void)
{
    char copy[256];
    int n = chrony_get_record_number_fields(session);
    double acc = 0;
    for (int i = 0; i < n; i++) {
        const char *name = chrony_get_field_name(session, i);
        if (!name)
            continue;
        strncpy(copy, name, sizeof copy - 1);
        chrony_field_type type = chrony_get_field_type(session, i);
        acc += chrony_get_field_content(session, i);
        switch (type) {
        case CHRONY_TYPE_UINTEGER:
            acc += (double)chrony_get_field_uinteger(session, i);
            break;
        case CHRONY_TYPE_INTEGER:
            acc += (double)chrony_get_field_integer(session, i);
            break;
        case CHRONY_TYPE_FLOAT:
            acc += chrony_get_field_float(session, i);
            break;
        case CHRONY_TYPE_TIMESPEC: {
            struct timespec ts = chrony_get_field_timespec(session, i);
            acc += (double)ts.tv_sec + ts.tv_nsec;
            break;
        }
        case CHRONY_TYPE_STRING: {
            const char *s = chrony_get_field_string(session, i);
            if (s)
                strncpy(copy, s, sizeof copy - 1);
            break;
        }
        default:
            break;
        }
    }
    sink = acc;
}

static void fetch_report(const char *report)
{
    chrony_err err = chrony_request_report_number_records(session, report);
    if (err != CHRONY_OK)
        die(report, err);
    await_reply(report);
    int count = chrony_get_report_number_records(session);
    for (int r = 0; r < count; r++) {
        err = chrony_request_record(session, report, r);
        if (err != CHRONY_OK)
            die(report, err);
        await_reply(report);
        read_record();
    }
}

/* tracking has exactly one record: pychrony's get_tracking() asks for
 * record 0 directly, and so does this. */
static void fetch_single(const char *report)
{
    chrony_err err = chrony_request_record(session, report, 0);
    if (err != CHRONY_OK)
        die(report, err);
    await_reply(report);
    read_record();
}

static void run(const char *workload)
{
    if (strcmp(workload, "tracking") == 0) {
        fetch_single("tracking");
    } else if (strcmp(workload, "sources") == 0) {
        fetch_report("sources");
    } else if (strcmp(workload, "status") == 0) {
        fetch_single("tracking");
        fetch_report("sources");
        fetch_report("sourcestats");
    } else {
        fprintf(stderr, "c_floor: unknown workload %s\n", workload);
        exit(2);
    }
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: c_floor ADDRESS\n");
        return 2;
    }
    fd = chrony_open_socket(argv[1]);
    if (fd < 0) {
        fprintf(stderr, "c_floor: cannot open %s\n", argv[1]);
        return 1;
    }
    chrony_err err = chrony_init_session(&session, fd);
    if (err != CHRONY_OK)
        die("init", err);

    char workload[32];
    int count;
    while (scanf("%31s %d", workload, &count) == 2) {
        if (count < 1 || count > 1000000)
            return 2;
        for (int i = 0; i < count; i++) {
            long long start = now_ns();
            run(workload);
            printf(i ? " %lld" : "%lld", now_ns() - start);
        }
        printf("\n");
        fflush(stdout);
    }
    chrony_deinit_session(session);
    chrony_close_socket(fd);
    return 0;
}
