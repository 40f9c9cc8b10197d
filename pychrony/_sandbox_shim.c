/*
 * LD_PRELOAD shim for the sandboxed client chronyd (pychrony.sandbox).
 *
 * A resolver that is down for one domain: getaddrinfo() answers EAI_AGAIN
 * ("try again later") for names in the reserved .invalid domain, without
 * sending a query anywhere, and passes every other name to the C library.
 * chronyd keeps a source whose name cannot be resolved yet as a placeholder
 * and retries, which is what a server booting without network shows.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <netdb.h>
#include <string.h>

typedef int (*getaddrinfo_fn)(const char *, const char *, const struct addrinfo *,
                              struct addrinfo **);

static int in_unresolvable_domain(const char *node)
{
    static const char suffix[] = ".invalid";
    size_t length = node ? strlen(node) : 0;

    return length >= sizeof(suffix) - 1 &&
           strcmp(node + length - (sizeof(suffix) - 1), suffix) == 0;
}

int getaddrinfo(const char *node, const char *service, const struct addrinfo *hints,
                struct addrinfo **res)
{
    /* Looked up on each call: cheap next to a name lookup, and no shared state. */
    getaddrinfo_fn real = (getaddrinfo_fn)dlsym(RTLD_NEXT, "getaddrinfo");

    if (in_unresolvable_domain(node))
        return EAI_AGAIN;
    if (real == NULL)
        return EAI_SYSTEM;
    return real(node, service, hints, res);
}
