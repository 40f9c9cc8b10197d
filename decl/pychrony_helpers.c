/*
 * pychrony's own C helpers, compiled into the extension after libchrony's
 * declarations (build_ffi.py's c_source() appends this file to the source it
 * gives cffi), so it is no translation unit of its own: chrony_session, the
 * CHRONY_TYPE_* constants, <stdint.h> and <time.h> come from there.
 * Declared for cffi in pychrony_helpers.h.
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
 * caller then reads
 * field by field). libchrony formats strings into one static buffer: the
 * caller must hold the lock that serialises string reads.
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
        if (names[i] && !pychrony_put(out, size, &used, names[i], strlen(names[i]) + 1))
            return -1;
        if (names[i])
            slots += types[i] == CHRONY_TYPE_TIMESPEC ? 2 : 1;
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
