// The small, ABI-stable part of libcurl (7.68 or newer) that ChatExport's transport uses,
// declared here so the build needs only libcurl's runtime library (libcurl.so.4, present on a
// fresh machine), not its development headers. The module links it by soname (`-l:libcurl.so.4`).
// Values are from curl/curl.h and curl/multi.h; libcurl keeps them stable across its ABI.
#ifndef CCURL_SHIM_H
#define CCURL_SHIM_H

#include <stddef.h>

typedef void CURL;
typedef void CURLM;
typedef int CURLcode;
typedef int CURLMcode;

struct curl_slist {
    char *data;
    struct curl_slist *next;
};

struct curl_waitfd {
    int fd;
    short events;
    short revents;
};

typedef struct {
    int msg;
    CURL *easy_handle;
    union {
        void *whatever;
        CURLcode result;
    } data;
} CURLMsg;

enum {
    CCURL_GLOBAL_ALL = 3,
    CCURLMSG_DONE = 1,
};

// CURLcode values the transport words.
enum {
    CCURLE_OK = 0,
    CCURLE_UNSUPPORTED_PROTOCOL = 1,
    CCURLE_URL_MALFORMAT = 3,
    CCURLE_COULDNT_RESOLVE_PROXY = 5,
    CCURLE_COULDNT_RESOLVE_HOST = 6,
    CCURLE_COULDNT_CONNECT = 7,
    CCURLE_WEIRD_SERVER_REPLY = 8,
    CCURLE_HTTP2 = 16,
    CCURLE_PARTIAL_FILE = 18,
    CCURLE_WRITE_ERROR = 23,
    CCURLE_OPERATION_TIMEDOUT = 28,
    CCURLE_SSL_CONNECT_ERROR = 35,
    CCURLE_ABORTED_BY_CALLBACK = 42,
    CCURLE_GOT_NOTHING = 52,
    CCURLE_SEND_ERROR = 55,
    CCURLE_RECV_ERROR = 56,
    CCURLE_SSL_CERTPROBLEM = 58,
    CCURLE_PEER_FAILED_VERIFICATION = 60,
    CCURLE_BAD_CONTENT_ENCODING = 61,
    CCURLE_SSL_CACERT_BADFILE = 77,
    CCURLE_PROXY = 97,
};

// CURLoption values (type base + number).
enum {
    CCURLOPT_WRITEDATA = 10001,
    CCURLOPT_URL = 10002,
    CCURLOPT_PROXY = 10004,
    CCURLOPT_ERRORBUFFER = 10010,
    CCURLOPT_WRITEFUNCTION = 20011,
    CCURLOPT_LOW_SPEED_LIMIT = 19,
    CCURLOPT_LOW_SPEED_TIME = 20,
    CCURLOPT_HTTPHEADER = 10023,
    CCURLOPT_HEADERDATA = 10029,
    CCURLOPT_CUSTOMREQUEST = 10036,
    CCURLOPT_NOPROGRESS = 43,
    CCURLOPT_NOBODY = 44,
    CCURLOPT_POSTFIELDS = 10015,
    CCURLOPT_POSTFIELDSIZE_LARGE = 30120,
    CCURLOPT_FOLLOWLOCATION = 52,
    CCURLOPT_CAINFO = 10065,
    CCURLOPT_HEADERFUNCTION = 20079,
    CCURLOPT_HTTPGET = 80,
    CCURLOPT_NOSIGNAL = 99,
    CCURLOPT_ACCEPT_ENCODING = 10102,
    CCURLOPT_PRIVATE = 10103,
    CCURLOPT_TIMEOUT_MS = 155,
    CCURLOPT_CONNECTTIMEOUT_MS = 156,
    CCURLOPT_NOPROXY = 10177,
    CCURLOPT_PROTOCOLS = 181,
    CCURLOPT_TCP_KEEPALIVE = 213,
};

enum {
    CCURLPROTO_HTTP = 1,
    CCURLPROTO_HTTPS = 2,
};

// CURLINFO values (type base + number).
enum {
    CCURLINFO_RESPONSE_CODE = 0x200002,
    CCURLINFO_PRIVATE = 0x100015,
    CCURLINFO_OS_ERRNO = 0x200019,
};

enum {
    CCURLMOPT_MAXCONNECTS = 6,
};

extern CURLcode curl_global_init(long flags);
extern const char *curl_version(void);
extern const char *curl_easy_strerror(CURLcode code);
extern CURL *curl_easy_init(void);
extern void curl_easy_cleanup(CURL *handle);
extern CURLcode curl_easy_setopt(CURL *handle, int option, ...);
extern CURLcode curl_easy_getinfo(CURL *handle, int info, ...);
extern struct curl_slist *curl_slist_append(struct curl_slist *list, const char *text);
extern void curl_slist_free_all(struct curl_slist *list);
extern CURLM *curl_multi_init(void);
extern CURLMcode curl_multi_cleanup(CURLM *multi);
extern CURLMcode curl_multi_setopt(CURLM *multi, int option, ...);
extern CURLMcode curl_multi_add_handle(CURLM *multi, CURL *handle);
extern CURLMcode curl_multi_remove_handle(CURLM *multi, CURL *handle);
extern CURLMcode curl_multi_perform(CURLM *multi, int *running);
extern CURLMcode curl_multi_poll(CURLM *multi, struct curl_waitfd *extra, unsigned int count, int timeout_ms, int *numfds);
extern CURLMcode curl_multi_wakeup(CURLM *multi);
extern CURLMsg *curl_multi_info_read(CURLM *multi, int *queued);

// Swift cannot call C variadic functions: one fixed-type wrapper per argument kind.
typedef size_t (*ccurl_data_callback)(char *data, size_t size, size_t count, void *context);

static inline CURLcode ccurl_setopt_long(CURL *handle, int option, long value) { return curl_easy_setopt(handle, option, value); }
static inline CURLcode ccurl_setopt_pointer(CURL *handle, int option, void *value) { return curl_easy_setopt(handle, option, value); }
static inline CURLcode ccurl_setopt_string(CURL *handle, int option, const char *value) { return curl_easy_setopt(handle, option, value); }
static inline CURLcode ccurl_setopt_callback(CURL *handle, int option, ccurl_data_callback value) {
    return curl_easy_setopt(handle, option, value);
}
static inline CURLcode ccurl_getinfo_long(CURL *handle, int info, long *value) { return curl_easy_getinfo(handle, info, value); }
static inline CURLcode ccurl_getinfo_pointer(CURL *handle, int info, void **value) { return curl_easy_getinfo(handle, info, value); }
static inline CURLMcode ccurl_multi_setopt_long(CURLM *multi, int option, long value) { return curl_multi_setopt(multi, option, value); }

#endif
