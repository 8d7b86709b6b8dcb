// kvbench: the nats.go side of scripts/bench.
//
//	kvbench bench URL PREFIX OPS SIZE BULK WINDOW WATCH
//	    runs every row on buckets PREFIX and PREFIX_watch (created here with
//	    nats.go's js.CreateKeyValue: file storage, history 1; nats.go turns on
//	    allow_direct itself, which is checked and reported) and prints
//	    "ROW <row> <metric> <value>" lines on stdout.
//	kvbench get URL BUCKET KEY
//	    one-shot: connect, bind the bucket, get KEY, print its value, exit.
//	kvbench put URL BUCKET KEY VALUE
//	    one-shot: connect, bind the bucket, put VALUE at KEY, print the revision, exit.
//
// Built offline in GOPATH mode against Debian's nats.go (1.22, the JetStream
// context API): GO111MODULE=off GOPATH=/usr/share/gocode GOPROXY=off go build.
// Every wait has a deadline; every loop has a fixed bound.
package main

import (
	"bufio"
	"bytes"
	"fmt"
	"math"
	"os"
	"sort"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
)

const wait = 30 * time.Second // for any single wait

func die(what string, err error) {
	fmt.Fprintf(os.Stderr, "kvbench(nats.go): %s: %v\n", what, err)
	os.Exit(1)
}

func check(what string, err error) {
	if err != nil {
		die(what, err)
	}
}

var out = bufio.NewWriter(os.Stdout)

func emit(format string, args ...interface{}) {
	fmt.Fprintf(out, format, args...)
	out.Flush()
}

func valueBytes(size int) []byte {
	v := make([]byte, size)
	for j := range v {
		v[j] = byte('a' + j%26)
	}
	return v
}

// Nearest-rank percentile of sorted samples, in microseconds.
func pctUs(sorted []time.Duration, p float64) float64 {
	rank := int(math.Ceil(p / 100 * float64(len(sorted))))
	if rank < 1 {
		rank = 1
	}
	if rank > len(sorted) {
		rank = len(sorted)
	}
	return float64(sorted[rank-1].Nanoseconds()) / 1000
}

func reportLatency(row string, lat []time.Duration, total time.Duration) {
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	emit("ROW %s ops_per_s %.1f\n", row, float64(len(lat))/total.Seconds())
	emit("ROW %s p50_us %.1f\n", row, pctUs(lat, 50))
	emit("ROW %s p99_us %.1f\n", row, pctUs(lat, 99))
}

// publisher is a connection with a JetStream context for async publishes, at most
// `window` unacknowledged, counting the acks that came back as errors.
type publisher struct {
	nc     *nats.Conn
	js     nats.JetStreamContext
	failed atomic.Int64
}

func connect(url string, window int) *publisher {
	nc, err := nats.Connect(url, nats.Timeout(wait))
	check("connect", err)
	p := &publisher{nc: nc}
	p.js, err = nc.JetStream(
		nats.MaxWait(wait),
		nats.PublishAsyncMaxPending(window),
		nats.PublishAsyncErrHandler(func(_ nats.JetStream, _ *nats.Msg, err error) {
			if p.failed.Add(1) <= 5 {
				fmt.Fprintf(os.Stderr, "kvbench(nats.go): async publish failed: %v\n", err)
			}
		}),
	)
	check("jetstream", err)
	return p
}

// publishAll publishes `count` values to $KV.<bucket>.<keyprefix><i> and waits for every
// ack; returns how many were acknowledged without an error.
func (p *publisher) publishAll(bucket, keyprefix string, count int, value []byte) int {
	p.failed.Store(0)
	pre := "$KV." + bucket + "." + keyprefix
	for i := 0; i < count; i++ {
		// StallWait: a full window waits for acks up to `wait` (the default is 200 ms).
		_, err := p.js.PublishAsync(pre+strconv.Itoa(i), value, nats.StallWait(wait))
		check("PublishAsync", err)
	}
	select {
	case <-p.js.PublishAsyncComplete():
	case <-time.After(wait):
		die("PublishAsyncComplete", fmt.Errorf("%d acks still pending after %v", p.js.PublishAsyncPending(), wait))
	}
	return count - int(p.failed.Load())
}

func createBucket(js nats.JetStreamContext, bucket string) nats.KeyValue {
	_ = js.DeleteKeyValue(bucket) // a leftover from an interrupted run; absent is fine
	kv, err := js.CreateKeyValue(&nats.KeyValueConfig{
		Bucket:  bucket,
		History: 1,
		Storage: nats.FileStorage,
	})
	check("CreateKeyValue", err)
	si, err := js.StreamInfo("KV_" + bucket)
	check("StreamInfo", err)
	storage := "memory"
	if si.Config.Storage == nats.FileStorage {
		storage = "file"
	}
	emit("INFO nats.go bucket=%s storage=%s history=%d allow_direct=%t\n",
		bucket, storage, si.Config.MaxMsgsPerSubject, si.Config.AllowDirect)
	return kv
}

func runBench(args []string) int {
	if len(args) != 9 {
		fmt.Fprintln(os.Stderr, "usage: kvbench bench URL PREFIX OPS SIZE BULK WINDOW WATCH")
		return 2
	}
	url, prefix := args[2], args[3]
	var n [5]int
	for i := range n {
		v, err := strconv.Atoi(args[4+i])
		if err != nil {
			v = -1
		}
		n[i] = v
	}
	ops, size, bulk, window, watchN := n[0], n[1], n[2], n[3], n[4]
	if ops < 1 || size < 0 || bulk < 1 || window < 1 || watchN < 1 {
		fmt.Fprintln(os.Stderr, "kvbench(nats.go): bad numbers")
		return 2
	}
	bucket, wbucket := prefix, prefix+"_watch"
	value := valueBytes(size)
	lat := make([]time.Duration, ops)

	p := connect(url, window)
	defer p.nc.Close()
	kv := createBucket(p.js, bucket)

	// Warm-up (not measured): the same operations on other keys.
	for i := 0; i < 200; i++ {
		key := "warm." + strconv.Itoa(i%20)
		_, err := kv.Put(key, value)
		check("warm put", err)
		_, err = kv.Get(key)
		check("warm get", err)
	}

	// Row: sequential put.
	start := time.Now()
	for i := 0; i < ops; i++ {
		key := "key." + strconv.Itoa(i)
		t0 := time.Now()
		_, err := kv.Put(key, value)
		lat[i] = time.Since(t0)
		check("Put", err)
	}
	reportLatency("put", lat, time.Since(start))

	// Row: sequential get (direct get: nats.go uses it when the bucket allows it), checking every value.
	start = time.Now()
	for i := 0; i < ops; i++ {
		key := "key." + strconv.Itoa(i)
		t0 := time.Now()
		e, err := kv.Get(key)
		lat[i] = time.Since(t0)
		check("Get", err)
		if !bytes.Equal(e.Value(), value) {
			fmt.Fprintf(os.Stderr, "kvbench(nats.go): wrong value for %s\n", key)
			return 1
		}
	}
	reportLatency("get", lat, time.Since(start))

	// Row: pipelined bulk load (JetStream async publish to the KV subjects).
	start = time.Now()
	acked := p.publishAll(bucket, "bulk.", bulk, value)
	bulkTime := time.Since(start)
	if acked != bulk {
		fmt.Fprintf(os.Stderr, "kvbench(nats.go): bulk: %d acks, %d failures, want %d\n", acked, p.failed.Load(), bulk)
		return 1
	}
	emit("ROW bulk ops_per_s %.1f\n", float64(bulk)/bulkTime.Seconds())

	// Row: watch delivery; the publisher has its own connection (its own goroutine).
	wkv := createBucket(p.js, wbucket)
	w, err := wkv.WatchAll()
	check("WatchAll", err)
	select {
	case e := <-w.Updates():
		if e != nil {
			fmt.Fprintln(os.Stderr, "kvbench(nats.go): expected the initial-values marker on an empty bucket")
			return 1
		}
	case <-time.After(wait):
		die("initial marker", nats.ErrTimeout)
	}
	pubDone := make(chan int, 1)
	go func() {
		wp := connect(url, window)
		defer wp.nc.Close()
		pubDone <- wp.publishAll(wbucket, "w.", watchN, value)
	}()
	received := 0
	var first, last time.Time
	// One deadline for the whole stream (a time.After per update would cost a timer each).
	deadline := time.NewTimer(4 * wait)
	defer deadline.Stop()
	for attempt := 0; attempt < watchN+100 && received < watchN; attempt++ {
		select {
		case e, ok := <-w.Updates():
			if !ok {
				die("watch", fmt.Errorf("updates closed after %d of %d", received, watchN))
			}
			if e == nil {
				continue
			}
			t := time.Now()
			if received == 0 {
				first = t
			}
			last = t
			received++
		case <-deadline.C:
			die("watch", fmt.Errorf("received %d of %d within %v", received, watchN, 4*wait))
		}
	}
	select {
	case acked := <-pubDone:
		if acked != watchN {
			fmt.Fprintf(os.Stderr, "kvbench(nats.go): watch publisher: %d acks, want %d\n", acked, watchN)
			return 1
		}
	case <-time.After(2 * wait):
		die("watch publisher", nats.ErrTimeout)
	}
	if received != watchN {
		fmt.Fprintf(os.Stderr, "kvbench(nats.go): watch received %d of %d\n", received, watchN)
		return 1
	}
	emit("ROW watch updates_per_s %.1f\n", float64(watchN-1)/last.Sub(first).Seconds())
	check("watch stop", w.Stop())

	check("DeleteKeyValue", p.js.DeleteKeyValue(wbucket))
	check("DeleteKeyValue", p.js.DeleteKeyValue(bucket))
	return 0
}

// oneShotBucket connects to url and binds bucket, as a one-shot command does; the caller
// closes the connection.
func oneShotBucket(url, bucket string) (*nats.Conn, nats.KeyValue) {
	nc, err := nats.Connect(url, nats.Timeout(wait))
	check("connect", err)
	js, err := nc.JetStream(nats.MaxWait(wait))
	check("jetstream", err)
	kv, err := js.KeyValue(bucket)
	check("KeyValue", err)
	return nc, kv
}

func runGet(args []string) int {
	if len(args) != 5 {
		fmt.Fprintln(os.Stderr, "usage: kvbench get URL BUCKET KEY")
		return 2
	}
	nc, kv := oneShotBucket(args[2], args[3])
	defer nc.Close()
	e, err := kv.Get(args[4])
	check("Get", err)
	out.Write(e.Value())
	out.WriteByte('\n')
	check("write", out.Flush())
	return 0
}

func runPut(args []string) int {
	if len(args) != 6 {
		fmt.Fprintln(os.Stderr, "usage: kvbench put URL BUCKET KEY VALUE")
		return 2
	}
	nc, kv := oneShotBucket(args[2], args[3])
	defer nc.Close()
	rev, err := kv.PutString(args[4], args[5])
	check("Put", err)
	fmt.Fprintln(out, rev)
	check("write", out.Flush())
	return 0
}

func main() {
	code := 2
	switch {
	case len(os.Args) >= 2 && os.Args[1] == "bench":
		code = runBench(os.Args)
	case len(os.Args) >= 2 && os.Args[1] == "get":
		code = runGet(os.Args)
	case len(os.Args) >= 2 && os.Args[1] == "put":
		code = runPut(os.Args)
	default:
		fmt.Fprintln(os.Stderr, "usage: kvbench bench URL PREFIX OPS SIZE BULK WINDOW WATCH | kvbench get URL BUCKET KEY"+
			" | kvbench put URL BUCKET KEY VALUE")
	}
	os.Exit(code)
}
