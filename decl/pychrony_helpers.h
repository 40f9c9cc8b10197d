/*
 * pychrony's own C helpers: the declarations, read by build_ffi.py as cdef
 * text after decl/chrony_api.h (so plain declarations only: cffi's cdef
 * parser takes no include guards). The definitions are in
 * pychrony_helpers.c.
 */
int pychrony_read_record(chrony_session *s, char *out, int size);

/* The exchange in C (see pychrony_helpers.c and pychrony/_core/session.py). */
enum pychrony_outcome {
    PYCHRONY_TIMEOUT = -1,
    PYCHRONY_FAILED = -2,
    PYCHRONY_INTERRUPTED = -3,
    PYCHRONY_EXITING = -4,
    PYCHRONY_WANT_READ = -5,
    PYCHRONY_WANT_TIME = -6,
    PYCHRONY_NO_ROOM = -7,
    PYCHRONY_BUDGET = -8,
    PYCHRONY_BAD_COUNT = -9
};
enum pychrony_mode {
    PYCHRONY_START = 0,
    PYCHRONY_RESUME = 1,
    PYCHRONY_READABLE = 2,
    PYCHRONY_NOWAIT = 4
};
typedef struct {
    int fd;
    int wake_fd;
    const double *waits;
    int attempts_max;
    char *out;
    int size;
    double deadline;
    double until;
    int phase;
    int attempts;
    int wait_index;
    int reopened;
    int malformed;
    int code;
    int os_errno;
    int count;
    int index;
    int used;
    int grace;
    int graced;
    double sent;
} pychrony_exchange;
void pychrony_strings_lock(void);
void pychrony_strings_unlock(void);
int pychrony_request(chrony_session *s, pychrony_exchange *x, const char *report, int index,
                     double deadline, int mode);
int pychrony_report(chrony_session *s, pychrony_exchange *x, const char *report,
                    int max_records, double deadline, int mode);
