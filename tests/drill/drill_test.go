package drill

import (
	"context"
	"encoding/json"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	http_helper "github.com/gruntwork-io/terratest/modules/http-helper"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The drills share a 2-core machine with other suites, so they run one after another and keep
// the steady state short; each is bounded by Options.Timeout.
func drillOptions(t *testing.T, mode Mode) Options {
	return Options{
		Mode:            mode,
		Rate:            40,
		Clients:         4,
		BeforeKill:      3 * time.Second,
		AfterRecovery:   2 * time.Second,
		RecoveryTimeout: 30 * time.Second,
		Timeout:         90 * time.Second,
		Out:             testWriter{t},
		// The storefront must be ready again (readyz 200) on the same address, with no restart.
		AfterRecovered: func(ctx context.Context, base string) error {
			return http_helper.HTTPGetWithRetryWithCustomValidationContextE(t, ctx, base+"/readyz", nil, 20, 250*time.Millisecond,
				func(status int, body string) bool {
					var r struct {
						Status string `json:"status"`
					}
					return status == 200 && json.Unmarshal([]byte(body), &r) == nil && r.Status == "ok"
				})
		},
	}
}

func runDrill(t *testing.T, opts Options) Report {
	t.Helper()
	// Run bounds itself with opts.Timeout through its context and fails when it runs out.
	rep, err := Run(context.Background(), opts)
	require.NoError(t, err)
	assertCommon(t, rep)
	assertCleanedUp(t, rep)
	return rep
}

// assertCommon checks what holds in every mode: the storefront recovered on its own, the
// timeline is ordered, and the counts add up.
func assertCommon(t *testing.T, r Report) {
	t.Helper()
	assert.True(t, r.StorefrontUp, "the storefront's Run returned during the drill")
	assert.Positive(t, r.AckedBeforeKill, "no order acknowledged before the kill")
	assert.Positive(t, r.AckedAfterFailover, "no order acknowledged after the failover: the storefront did not recover")
	assert.Positive(t, r.ProcessesKilled)
	assert.Positive(t, r.LagSamples)
	assert.GreaterOrEqual(t, r.LagBeforeKill.UnflushedBytes, int64(0))
	assert.GreaterOrEqual(t, r.LagBeforeKill.UnreplayedBytes, int64(0))
	assert.GreaterOrEqual(t, r.LagBeforeKill.Replay, time.Duration(0))

	assert.True(t, r.LastAckBeforeKill.Before(r.KillAt), "last ack before kill is not before the kill")
	assert.False(t, r.KillDone.Before(r.KillAt))
	assert.False(t, r.PromoteAt.Before(r.KillDone))
	assert.True(t, r.PromotedAt.After(r.PromoteAt))
	// Nothing can be acknowledged after the kill before the standby is told to promote.
	assert.True(t, r.FirstAckAfterKill.After(r.PromoteAt), "first ack after the kill %s precedes the promotion %s", r.FirstAckAfterKill, r.PromoteAt)
	assert.Equal(t, r.FirstAckAfterKill.Sub(r.LastAckBeforeKill), r.RTO)
	assert.Greater(t, r.RTO, r.PromoteAt.Sub(r.LastAckBeforeKill))

	assert.Equal(t, r.Acked, r.AckedBeforeKill+r.AckedAcrossKill+r.AckedAfterFailover)
	assert.Equal(t, r.Orders, r.Acked+r.Unacked)
	assert.Equal(t, r.Acked, r.OrdersOnPromoted+r.RPOOrders)
	assert.Len(t, r.Missing, r.RPOOrders)
	assert.Zero(t, r.FailedBeforeKill, "orders failed before the kill: the baseline is not clean")
	assert.Positive(t, r.FailedDuringOutage, "no request failed while there was no primary")
	// Lost orders were acknowledged by the old primary, so they were sent before it died.
	assert.LessOrEqual(t, r.RPOOrders, r.AckedBeforeKill+r.AckedAcrossKill)
	for _, o := range r.Missing {
		assert.True(t, o.AckSent.Before(r.KillDone), "order %d sent after the primary died is missing", o.ID)
	}
	assert.GreaterOrEqual(t, r.RPOWindow, time.Duration(0))
}

// assertCleanedUp checks that nothing the drill started still listens.
func assertCleanedUp(t *testing.T, r Report) {
	t.Helper()
	for _, addr := range []string{r.PrimaryAddr, r.StandbyAddr, r.StorefrontAddr} {
		require.NotEmpty(t, addr)
		if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
			c.Close()
			t.Errorf("%s still accepts connections after the drill", addr)
		}
	}
}

func TestSyncReplicationLosesNoAcknowledgedOrder(t *testing.T) {
	r := runDrill(t, drillOptions(t, Sync))
	assert.Equal(t, "sync", r.SyncState)
	assert.Zero(t, r.RPOOrders, "synchronous replication lost acknowledged orders: %v", r.Missing)
	assert.Equal(t, r.Acked, r.OrdersOnPromoted)
	t.Logf("sync: RTO %s, RPO %d orders, lag before kill %s", r.RTO, r.RPOOrders, r.LagBeforeKill)
}

func TestAsyncReplicationLossIsMeasured(t *testing.T) {
	r := runDrill(t, drillOptions(t, Async))
	assert.Equal(t, "async", r.SyncState)
	// Whether anything is lost depends on the race between the kill and the WAL sender; only
	// the measurement is checked (assertCommon), and reported.
	t.Logf("async: RTO %s, RPO %d orders (window %s), lag before kill %s", r.RTO, r.RPOOrders, r.RPOWindow, r.LagBeforeKill)
}

// With the WAL sender stopped for a second before the kill, the async primary keeps
// acknowledging orders the standby never receives: the drill must find them missing. The sync
// primary holds the acknowledgements instead and loses nothing.
func TestStalledReplication(t *testing.T) {
	t.Run("async loses the orders acknowledged during the stall", func(t *testing.T) {
		opts := drillOptions(t, Async)
		opts.StallBeforeKill = time.Second
		r := runDrill(t, opts)
		require.Positive(t, r.RPOOrders, "orders acknowledged while replication was stalled were not found missing")
		assert.Positive(t, r.LagBeforeKill.UnflushedBytes, "the stall is not visible in the lag before the kill")
		// The standby trails by milliseconds without a stall, so orders acknowledged well before
		// it must have reached the standby.
		for _, o := range r.Missing {
			assert.False(t, o.AckAt.Before(r.StallAt.Add(-250*time.Millisecond)), "order %d acknowledged %s before the stall is missing",
				o.ID, r.StallAt.Sub(o.AckAt))
		}
		t.Logf("async+stall: RPO %d orders acknowledged over %s", r.RPOOrders, r.RPOWindow)
	})
	t.Run("sync loses nothing", func(t *testing.T) {
		opts := drillOptions(t, Sync)
		opts.StallBeforeKill = time.Second
		r := runDrill(t, opts)
		assert.Zero(t, r.RPOOrders, "synchronous replication lost acknowledged orders: %v", r.Missing)
		// No commit can be confirmed by a standby that receives nothing.
		assert.True(t, r.LastAckBeforeKill.Before(r.StallAt.Add(250*time.Millisecond)),
			"sync primary acknowledged an order %s after replication stalled", r.LastAckBeforeKill.Sub(r.StallAt))
	})
}

// analyse is checked on a hand-built timeline, including an id the new primary reissued.
func TestAnalyseTimeline(t *testing.T) {
	t0 := time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC)
	at := func(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }
	ok := func(id int64, sent, done int) Order {
		return Order{Key: "k", Acked: true, AckSent: at(sent), AckAt: at(done), ID: id, UserID: 7, CreatedAt: at(done - 1),
			Attempts: []Attempt{{Sent: at(sent), Done: at(done), Status: 201}}}
	}
	retried := ok(5, 1500, 1600)
	retried.Attempts = append([]Attempt{{Sent: at(1010), Done: at(1020), Status: 503, Err: "database_unavailable"},
		{Sent: at(1070), Done: at(1075), Err: "dial refused"}}, retried.Attempts...)
	failing := Order{Key: "f", Attempts: []Attempt{{Sent: at(1700), Done: at(1710), Status: 500, Err: "internal"}}}
	orders := []Order{ok(1, 900, 950), ok(2, 960, 990), ok(3, 995, 1003), retried, ok(6, 1620, 1650), failing}
	r := Report{Mode: Async, KillAt: at(1000), KillDone: at(1050)}
	present := map[int64]found{
		1: {UserID: 7, CreatedAt: at(949)},
		// 2 was lost; 3 exists but is another order that got the same id after the failover.
		3: {UserID: 7, CreatedAt: at(1599)},
		5: {UserID: 7, CreatedAt: at(1599)},
		6: {UserID: 7, CreatedAt: at(1649)},
	}
	analyse(&r, orders, present)

	assert.Equal(t, at(990), r.LastAckBeforeKill)
	assert.Equal(t, at(1600), r.FirstAckAfterKill)
	assert.Equal(t, 610*time.Millisecond, r.RTO)
	assert.Equal(t, 6, r.Orders)
	assert.Equal(t, 5, r.Acked)
	assert.Equal(t, 1, r.Unacked)
	assert.Equal(t, 2, r.AckedBeforeKill)
	assert.Equal(t, 1, r.AckedAcrossKill)
	assert.Equal(t, 2, r.AckedAfterFailover)
	assert.Equal(t, 1, r.RetriedOrders)
	assert.Equal(t, 2, r.FailedDuringOutage)
	assert.Equal(t, 1, r.FailedAfterRecovery)
	assert.Equal(t, map[string]int{"database_unavailable": 1, "transport": 1, "internal": 1}, r.FailureKinds)
	require.Equal(t, 2, r.RPOOrders)
	assert.Equal(t, []int64{2, 3}, []int64{r.Missing[0].ID, r.Missing[1].ID})
	assert.Equal(t, 13*time.Millisecond, r.RPOWindow)
	assert.Equal(t, 10*time.Millisecond, r.RPOBeforeKill)
	assert.Equal(t, 3, r.OrdersOnPromoted)
	assert.Equal(t, []int64{1, 2, 3, 5, 6}, ackedIDs(orders))

	var b strings.Builder
	WriteTable(&b, []Report{r})
	assert.Contains(t, b.String(), "RTO ms")
	assert.Regexp(t, `async\s+610\s+2\s`, b.String())
}

func TestKillDetection(t *testing.T) {
	// Our own process: a live, non-zombie process with a parent.
	pid := os.Getpid()
	assert.True(t, alive(pid))
	ppid, ok := parentOf(pid)
	assert.True(t, ok)
	assert.Positive(t, ppid)
	assert.Contains(t, childrenOf(ppid), pid)
	assert.False(t, alive(1<<22+12345), "a pid above pid_max reported alive")
}

// testWriter sends the drill's progress lines to the test log.
type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}
