/*
 * pychrony's own C helpers: the declarations, read by build_ffi.py as cdef
 * text after decl/chrony_api.h (so plain declarations only: cffi's cdef
 * parser takes no include guards). The definitions are in
 * pychrony_helpers.c.
 */
int pychrony_read_record(chrony_session *s, char *out, int size);
