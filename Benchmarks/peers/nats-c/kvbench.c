/*
 * kvbench: the nats.c side of scripts/bench.
 *
 *   kvbench bench URL PREFIX OPS SIZE BULK WINDOW WATCH
 *       runs every row on buckets PREFIX and PREFIX_watch (created here with
 *       nats.c's js_CreateKeyValue: file storage, history 1; nats.c turns on
 *       allow_direct itself, which is checked and reported) and prints
 *       "ROW <row> <metric> <value>" lines on stdout.
 *   kvbench get URL BUCKET KEY
 *       one-shot: connect, bind the bucket, get KEY, print its value, exit.
 *   kvbench put URL BUCKET KEY VALUE
 *       one-shot: connect, bind the bucket, put VALUE at KEY, print the revision, exit.
 *
 * Every wait has a deadline; every loop has a fixed bound.
 */
#include <nats/nats.h>

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define WAIT_MS 30000

static void die(const char *what, natsStatus s) {
    fprintf(stderr, "kvbench(nats.c): %s: %s\n", what, natsStatus_GetText(s));
    nats_PrintLastErrorStack(stderr);
    exit(1);
}

#define CHECK(what, expr)                      \
    do {                                       \
        natsStatus s_ = (expr);                \
        if (s_ != NATS_OK) die((what), s_);    \
    } while (0)

static int64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int cmp_i64(const void *a, const void *b) {
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* Nearest-rank percentile of sorted nanosecond samples, in microseconds. */
static double pct_us(const int64_t *sorted, int n, double p) {
    int rank = (int)((p / 100.0) * n + 0.999999999);
    if (rank < 1) rank = 1;
    if (rank > n) rank = n;
    return sorted[rank - 1] / 1000.0;
}

static void report_latency(const char *row, int64_t *lat, int n, int64_t total_ns) {
    qsort(lat, (size_t)n, sizeof(int64_t), cmp_i64);
    printf("ROW %s ops_per_s %.1f\n", row, n / (total_ns / 1e9));
    printf("ROW %s p50_us %.1f\n", row, pct_us(lat, n, 50));
    printf("ROW %s p99_us %.1f\n", row, pct_us(lat, n, 99));
    fflush(stdout);
}

static void fill_value(char *buf, int size) {
    for (int j = 0; j < size; j++) buf[j] = (char)('a' + j % 26);
}

/* ---- asynchronous publish accounting ---- */

static atomic_long acks_ok;
static atomic_long acks_failed;

static void on_ack(jsCtx *js, natsMsg *msg, jsPubAck *pa, jsPubAckErr *pae, void *closure) {
    (void)js;
    (void)closure;
    if (pa != NULL && pae == NULL) {
        atomic_fetch_add(&acks_ok, 1);
    } else {
        if (atomic_fetch_add(&acks_failed, 1) < 5 && pae != NULL) {
            fprintf(stderr, "kvbench(nats.c): async publish failed: %s\n",
                    pae->ErrText ? pae->ErrText : natsStatus_GetText(pae->Err));
        }
    }
    natsMsg_Destroy(msg);
}

static void connect_js(const char *url, int window, natsConnection **nc, jsCtx **js) {
    natsOptions *opts = NULL;
    CHECK("options", natsOptions_Create(&opts));
    CHECK("url", natsOptions_SetURL(opts, url));
    CHECK("connect", natsConnection_Connect(nc, opts));
    natsOptions_Destroy(opts);
    jsOptions jo;
    CHECK("js options", jsOptions_Init(&jo));
    jo.Wait = WAIT_MS;
    jo.PublishAsync.MaxPending = window;
    jo.PublishAsync.AckHandler = on_ack;
    jo.PublishAsync.StallWait = WAIT_MS;
    CHECK("jetstream", natsConnection_JetStream(js, *nc, &jo));
}

/* Publishes `count` values to $KV.<bucket>.<keyprefix><i> with at most `window` unacknowledged. */
static void publish_async_all(jsCtx *js, const char *bucket, const char *keyprefix, int count,
                              const char *value, int size) {
    char subj[256];
    for (int i = 0; i < count; i++) {
        snprintf(subj, sizeof subj, "$KV.%s.%s%d", bucket, keyprefix, i);
        CHECK("js_PublishAsync", js_PublishAsync(js, subj, value, size, NULL));
    }
    jsPubOptions po;
    jsPubOptions_Init(&po);
    po.MaxWait = WAIT_MS;
    CHECK("js_PublishAsyncComplete", js_PublishAsyncComplete(js, &po));
}

static kvStore *create_bucket(jsCtx *js, const char *bucket) {
    js_DeleteKeyValue(js, bucket); /* a leftover from an interrupted run; absent is fine */
    kvConfig kc;
    kvConfig_Init(&kc);
    kc.Bucket = bucket;
    kc.History = 1;
    kc.StorageType = js_FileStorage;
    kvStore *kv = NULL;
    CHECK("js_CreateKeyValue", js_CreateKeyValue(&kv, js, &kc));
    char stream[256];
    snprintf(stream, sizeof stream, "KV_%s", bucket);
    jsStreamInfo *si = NULL;
    jsErrCode jerr = 0;
    CHECK("js_GetStreamInfo", js_GetStreamInfo(&si, js, stream, NULL, &jerr));
    printf("INFO nats.c bucket=%s storage=%s history=%lld allow_direct=%s\n", bucket,
           si->Config->Storage == js_FileStorage ? "file" : "memory",
           (long long)si->Config->MaxMsgsPerSubject, si->Config->AllowDirect ? "true" : "false");
    jsStreamInfo_Destroy(si);
    return kv;
}

/* ---- watch row: publisher thread ---- */

struct publisher_args {
    const char *url;
    const char *bucket;
    int count, window, size;
    const char *value;
};

static void *publisher(void *p) {
    struct publisher_args *a = p;
    natsConnection *nc = NULL;
    jsCtx *js = NULL;
    connect_js(a->url, a->window, &nc, &js);
    publish_async_all(js, a->bucket, "w.", a->count, a->value, a->size);
    jsCtx_Destroy(js);
    natsConnection_Destroy(nc);
    return NULL;
}

static int run_bench(int argc, char **argv) {
    if (argc != 9) {
        fprintf(stderr, "usage: kvbench bench URL PREFIX OPS SIZE BULK WINDOW WATCH\n");
        return 2;
    }
    const char *url = argv[2];
    const char *prefix = argv[3];
    int ops = atoi(argv[4]), size = atoi(argv[5]), bulk = atoi(argv[6]);
    int window = atoi(argv[7]), watchN = atoi(argv[8]);
    if (ops < 1 || size < 0 || bulk < 1 || window < 1 || watchN < 1) {
        fprintf(stderr, "kvbench(nats.c): bad numbers\n");
        return 2;
    }
    char bucket[128], wbucket[160], key[64];
    snprintf(bucket, sizeof bucket, "%s", prefix);
    snprintf(wbucket, sizeof wbucket, "%s_watch", prefix);
    char *value = malloc((size_t)size + 1);
    fill_value(value, size);
    int64_t *lat = calloc((size_t)ops, sizeof(int64_t));

    natsConnection *nc = NULL;
    jsCtx *js = NULL;
    connect_js(url, window, &nc, &js);
    kvStore *kv = create_bucket(js, bucket);

    /* Warm-up (not measured): the same operations on other keys. */
    for (int i = 0; i < 200; i++) {
        uint64_t rev = 0;
        snprintf(key, sizeof key, "warm.%d", i % 20);
        CHECK("warm put", kvStore_Put(&rev, kv, key, value, size));
        kvEntry *e = NULL;
        CHECK("warm get", kvStore_Get(&e, kv, key));
        kvEntry_Destroy(e);
    }

    /* Row: sequential put. */
    int64_t start = now_ns();
    for (int i = 0; i < ops; i++) {
        snprintf(key, sizeof key, "key.%d", i);
        uint64_t rev = 0;
        int64_t t0 = now_ns();
        CHECK("kvStore_Put", kvStore_Put(&rev, kv, key, value, size));
        lat[i] = now_ns() - t0;
    }
    report_latency("put", lat, ops, now_ns() - start);

    /* Row: sequential get (direct get), checking every value. */
    start = now_ns();
    for (int i = 0; i < ops; i++) {
        snprintf(key, sizeof key, "key.%d", i);
        kvEntry *e = NULL;
        int64_t t0 = now_ns();
        CHECK("kvStore_Get", kvStore_Get(&e, kv, key));
        lat[i] = now_ns() - t0;
        if (kvEntry_ValueLen(e) != size || (size > 0 && memcmp(kvEntry_Value(e), value, (size_t)size) != 0)) {
            fprintf(stderr, "kvbench(nats.c): wrong value for %s\n", key);
            return 1;
        }
        kvEntry_Destroy(e);
    }
    report_latency("get", lat, ops, now_ns() - start);

    /* Row: pipelined bulk load (JetStream async publish to the KV subjects). */
    atomic_store(&acks_ok, 0);
    atomic_store(&acks_failed, 0);
    start = now_ns();
    publish_async_all(js, bucket, "bulk.", bulk, value, size);
    int64_t bulk_ns = now_ns() - start;
    if (atomic_load(&acks_ok) != bulk || atomic_load(&acks_failed) != 0) {
        fprintf(stderr, "kvbench(nats.c): bulk: %ld acks, %ld failures, want %d\n",
                atomic_load(&acks_ok), atomic_load(&acks_failed), bulk);
        return 1;
    }
    printf("ROW bulk ops_per_s %.1f\n", bulk / (bulk_ns / 1e9));
    fflush(stdout);

    /* Row: watch delivery. */
    kvStore *wkv = create_bucket(js, wbucket);
    kvWatcher *w = NULL;
    kvWatchOptions wo;
    kvWatchOptions_Init(&wo);
    CHECK("kvStore_WatchAll", kvStore_WatchAll(&w, wkv, &wo));
    kvEntry *e = NULL;
    CHECK("initial marker", kvWatcher_Next(&e, w, WAIT_MS));
    if (e != NULL) {
        fprintf(stderr, "kvbench(nats.c): expected the initial-values marker on an empty bucket\n");
        return 1;
    }
    atomic_store(&acks_ok, 0);
    atomic_store(&acks_failed, 0);
    struct publisher_args pa = {url, wbucket, watchN, window, size, value};
    pthread_t th;
    if (pthread_create(&th, NULL, publisher, &pa) != 0) {
        fprintf(stderr, "kvbench(nats.c): pthread_create failed\n");
        return 1;
    }
    int received = 0;
    int64_t first = 0, last = 0;
    for (int attempt = 0; attempt < watchN + 100 && received < watchN; attempt++) {
        e = NULL;
        CHECK("kvWatcher_Next", kvWatcher_Next(&e, w, WAIT_MS));
        if (e == NULL) continue;
        int64_t t = now_ns();
        if (received == 0) first = t;
        last = t;
        received++;
        kvEntry_Destroy(e);
    }
    pthread_join(th, NULL);
    if (received != watchN) {
        fprintf(stderr, "kvbench(nats.c): watch received %d of %d\n", received, watchN);
        return 1;
    }
    printf("ROW watch updates_per_s %.1f\n", (watchN - 1) / ((last - first) / 1e9));
    fflush(stdout);
    kvWatcher_Stop(w);
    kvWatcher_Destroy(w);

    kvStore_Destroy(wkv);
    kvStore_Destroy(kv);
    js_DeleteKeyValue(js, wbucket);
    js_DeleteKeyValue(js, bucket);
    jsCtx_Destroy(js);
    natsConnection_Destroy(nc);
    free(lat);
    free(value);
    nats_Close();
    return 0;
}

/* Connects to url and binds bucket, as a one-shot command does. */
static void one_shot_bucket(const char *url, const char *bucket, natsConnection **nc, jsCtx **js, kvStore **kv) {
    CHECK("connect", natsConnection_ConnectTo(nc, url));
    CHECK("jetstream", natsConnection_JetStream(js, *nc, NULL));
    CHECK("js_KeyValue", js_KeyValue(kv, *js, bucket));
}

static void one_shot_close(natsConnection *nc, jsCtx *js, kvStore *kv) {
    kvStore_Destroy(kv);
    jsCtx_Destroy(js);
    natsConnection_Destroy(nc);
    nats_Close();
}

static int run_get(int argc, char **argv) {
    if (argc != 5) {
        fprintf(stderr, "usage: kvbench get URL BUCKET KEY\n");
        return 2;
    }
    natsConnection *nc = NULL;
    jsCtx *js = NULL;
    kvStore *kv = NULL;
    one_shot_bucket(argv[2], argv[3], &nc, &js, &kv);
    kvEntry *e = NULL;
    CHECK("kvStore_Get", kvStore_Get(&e, kv, argv[4]));
    fwrite(kvEntry_Value(e), 1, (size_t)kvEntry_ValueLen(e), stdout);
    fputc('\n', stdout);
    kvEntry_Destroy(e);
    one_shot_close(nc, js, kv);
    return 0;
}

static int run_put(int argc, char **argv) {
    if (argc != 6) {
        fprintf(stderr, "usage: kvbench put URL BUCKET KEY VALUE\n");
        return 2;
    }
    natsConnection *nc = NULL;
    jsCtx *js = NULL;
    kvStore *kv = NULL;
    one_shot_bucket(argv[2], argv[3], &nc, &js, &kv);
    uint64_t rev = 0;
    CHECK("kvStore_PutString", kvStore_PutString(&rev, kv, argv[4], argv[5]));
    printf("%llu\n", (unsigned long long)rev);
    one_shot_close(nc, js, kv);
    return 0;
}

int main(int argc, char **argv) {
    if (argc >= 2 && strcmp(argv[1], "bench") == 0) return run_bench(argc, argv);
    if (argc >= 2 && strcmp(argv[1], "get") == 0) return run_get(argc, argv);
    if (argc >= 2 && strcmp(argv[1], "put") == 0) return run_put(argc, argv);
    fprintf(stderr, "usage: kvbench bench URL PREFIX OPS SIZE BULK WINDOW WATCH | kvbench get URL BUCKET KEY"
                    " | kvbench put URL BUCKET KEY VALUE\n");
    return 2;
}
