package httpapi

import (
	"strconv"
	"sync"
	"testing"
	"time"
)

// The limiter's memory stays bounded under a flood of new clients, and a
// client that has just been limited stays limited meanwhile.
func TestLimiterBoundedAndSharded(t *testing.T) {
	now := time.Unix(1e9, 0)
	l := newLimiter(1, 1, func() time.Time { return now })
	if _, ok := l.allow("victim"); !ok {
		t.Fatal("first request limited")
	}
	for i := 0; i < 3*limiterShards*maxBucketsPerShard; i++ {
		now = now.Add(time.Microsecond)
		l.allow("flood-" + strconv.Itoa(i))
		if i%1000 == 0 {
			now = now.Add(time.Microsecond)
			if _, ok := l.allow("victim"); ok {
				t.Fatalf("victim allowed again after %d new clients", i)
			}
		}
	}
	total := 0
	for i := range l.shards {
		n := len(l.shards[i].buckets)
		if n > maxBucketsPerShard {
			t.Errorf("shard %d holds %d buckets", i, n)
		}
		total += n
	}
	if total < limiterShards*maxBucketsPerShard/2 {
		t.Errorf("only %d buckets kept: evicting too much", total)
	}
}

func TestLimiterConcurrent(t *testing.T) {
	l := newLimiter(1, 100, time.Now)
	var wg sync.WaitGroup
	allowed := make([]int, 8)
	for g := range allowed {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 1000; i++ {
				if _, ok := l.allow("same"); ok {
					allowed[g]++
				}
				l.allow("own-" + strconv.Itoa(g))
			}
		}()
	}
	wg.Wait()
	sum := 0
	for _, n := range allowed {
		sum += n
	}
	if sum < 100 || sum > 110 { // the burst, plus at most a few refilled tokens
		t.Errorf("one client got %d of 8000 requests through a burst of 100", sum)
	}
}

func BenchmarkLimiter(b *testing.B) {
	l := newLimiter(1e9, 1e9, time.Now)
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			i++
			l.allow("192.0.2." + strconv.Itoa(i&255))
		}
	})
}
