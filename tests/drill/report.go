package drill

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"sort"
	"strings"
	"text/tabwriter"
	"time"
)

// Report is what one drill measured. Times are wall-clock with Go's monotonic reading.
type Report struct {
	Mode    Mode
	Durable bool // fsync and synchronous_commit on for both servers
	// SyncState is pg_stat_replication.sync_state of the standby just before the kill.
	SyncState string

	// Replication lag: the last sample before the kill, and the worst sample of the steady state.
	LagBeforeKill Lag
	MaxLag        Lag
	LagSamples    int

	// Stall is how long replication was stopped before the kill (Options.StallBeforeKill), and
	// StallAt when it stopped.
	Stall   time.Duration
	StallAt time.Time

	KillAt          time.Time // just before SIGKILL
	KillDone        time.Time // every process of the primary has exited
	ProcessesKilled int
	PromoteAt       time.Time // pg_ctl promote started (KillDone + detection delay)
	PromotedAt      time.Time // the standby accepts writes
	DetectionDelay  time.Duration
	PromoteTook     time.Duration

	// RTO is FirstAckAfterKill - LastAckBeforeKill. The first order after the kill is the first
	// acknowledged whose request was sent after the old primary had exited, so it can only
	// have been written to the promoted standby.
	LastAckBeforeKill time.Time
	FirstAckAfterKill time.Time
	RTO               time.Duration

	Orders             int // orders started (each with its own Idempotency-Key)
	Acked              int
	AckedBeforeKill    int // answer received before the kill
	AckedAcrossKill    int // sent before the old primary was gone, answered after the kill
	AckedAfterFailover int // sent after the old primary was gone
	Unacked            int // still failing when the stream stopped

	// Attempts that got no 2xx, by phase: before the kill, between the kill and the first
	// acknowledgement after it (the outage), and after that.
	FailedBeforeKill    int
	FailedDuringOutage  int
	FailedAfterRecovery int
	RetriedOrders       int            // orders acknowledged only after more than one attempt
	FailureKinds        map[string]int // error code (or "transport") -> attempts

	// RPO: acknowledged orders absent from the promoted server (matched by id, user and
	// created_at, so an id reissued by the new primary does not hide a loss).
	Missing       []Order
	RPOOrders     int
	RPOWindow     time.Duration // from the first to the last acknowledgement of a missing order
	RPOBeforeKill time.Duration // how long before the kill the first missing order was acknowledged

	OrdersOnPromoted int // acknowledged orders found on the promoted server

	// StorefrontUp is true when the storefront process (the same server.Main) served from start
	// to end without its Run returning; the drill never restarts it.
	StorefrontUp   bool
	StorefrontAddr string
	// Loopback addresses the two PostgreSQL servers listened on.
	PrimaryAddr, StandbyAddr string
	Elapsed                  time.Duration // whole drill including setup and cleanup of the run
}

// found is an order as read back from the promoted server.
type found struct {
	UserID    int64
	CreatedAt time.Time
}

// analyse fills the timing, counting and RPO fields of r from the recorded orders and the
// orders present on the promoted server.
func analyse(r *Report, orders []Order, present map[int64]found) {
	r.Orders = len(orders)
	for _, o := range orders {
		if !o.Acked {
			r.Unacked++
			continue
		}
		r.Acked++
		if len(o.Attempts) > 1 {
			r.RetriedOrders++
		}
		switch {
		case o.AckAt.Before(r.KillAt):
			r.AckedBeforeKill++
			if o.AckAt.After(r.LastAckBeforeKill) {
				r.LastAckBeforeKill = o.AckAt
			}
		case o.AckSent.Before(r.KillDone):
			r.AckedAcrossKill++
		default:
			r.AckedAfterFailover++
			if r.FirstAckAfterKill.IsZero() || o.AckAt.Before(r.FirstAckAfterKill) {
				r.FirstAckAfterKill = o.AckAt
			}
		}
		p, ok := present[o.ID]
		if ok && p.UserID == o.UserID && p.CreatedAt.Equal(o.CreatedAt) {
			r.OrdersOnPromoted++
		} else {
			r.Missing = append(r.Missing, o)
		}
	}
	r.FailureKinds = map[string]int{}
	for _, o := range orders {
		for _, a := range o.Attempts {
			if a.Status/100 == 2 {
				continue
			}
			kind := a.Err
			if a.Status == 0 {
				kind = "transport"
			} else if kind == "" {
				kind = fmt.Sprintf("http_%d", a.Status)
			}
			r.FailureKinds[kind]++
			switch {
			case a.Done.Before(r.KillAt):
				r.FailedBeforeKill++
			case r.FirstAckAfterKill.IsZero() || !a.Done.After(r.FirstAckAfterKill):
				r.FailedDuringOutage++
			default:
				r.FailedAfterRecovery++
			}
		}
	}
	if !r.FirstAckAfterKill.IsZero() && !r.LastAckBeforeKill.IsZero() {
		r.RTO = r.FirstAckAfterKill.Sub(r.LastAckBeforeKill)
	}
	sort.Slice(r.Missing, func(i, j int) bool { return r.Missing[i].AckAt.Before(r.Missing[j].AckAt) })
	r.RPOOrders = len(r.Missing)
	if n := len(r.Missing); n > 0 {
		r.RPOWindow = r.Missing[n-1].AckAt.Sub(r.Missing[0].AckAt)
		r.RPOBeforeKill = r.KillAt.Sub(r.Missing[0].AckAt)
	}
}

// ackedIDs lists the ids of acknowledged orders.
func ackedIDs(orders []Order) []int64 {
	var ids []int64
	for _, o := range orders {
		if o.Acked {
			ids = append(ids, o.ID)
		}
	}
	return ids
}

// WriteSummary prints one report as labelled lines.
func (r Report) WriteSummary(w io.Writer) {
	p := func(format string, a ...any) { fmt.Fprintf(w, format+"\n", a...) }
	p("== %s replication (standby sync_state %q, durable=%v) ==", r.Mode, r.SyncState, r.Durable)
	p("  lag before kill     %s (write %s, flush %s; %d B not replayed); worst of %d samples: %s",
		r.LagBeforeKill, fmtDur(r.LagBeforeKill.Write), fmtDur(r.LagBeforeKill.Flush), r.LagBeforeKill.UnreplayedBytes, r.LagSamples, r.MaxLag)
	if r.Stall > 0 {
		p("  replication stall   WAL sender stopped %s before the kill", fmtDur(r.KillAt.Sub(r.StallAt)))
	}
	p("  kill -9             %d processes; promote after %s detection delay took %s", r.ProcessesKilled, fmtDur(r.DetectionDelay), fmtDur(r.PromoteTook))
	p("  RTO                 %s (last ack before kill %s before it, first ack after it %s after it)",
		fmtDur(r.RTO), fmtDur(r.KillAt.Sub(r.LastAckBeforeKill)), fmtDur(r.FirstAckAfterKill.Sub(r.KillAt)))
	p("  RPO                 %d acknowledged orders missing on the promoted server%s", r.RPOOrders, r.rpoDetail())
	p("  orders              %d started, %d acked (%d before kill, %d across it, %d after failover), %d unacked",
		r.Orders, r.Acked, r.AckedBeforeKill, r.AckedAcrossKill, r.AckedAfterFailover, r.Unacked)
	p("  failed attempts     %d during outage, %d before kill, %d after recovery; %d orders needed retries; %s",
		r.FailedDuringOutage, r.FailedBeforeKill, r.FailedAfterRecovery, r.RetriedOrders, fmtKinds(r.FailureKinds))
	p("  storefront          same process throughout: %v (%s)", r.StorefrontUp, r.StorefrontAddr)
}

func (r Report) rpoDetail() string {
	if r.RPOOrders == 0 {
		return ""
	}
	ids := make([]string, 0, len(r.Missing))
	for _, o := range r.Missing {
		ids = append(ids, fmt.Sprint(o.ID))
	}
	return fmt.Sprintf(" (ids %s; acknowledged from %s before the kill over %s)", strings.Join(ids, ","), fmtDur(r.RPOBeforeKill), fmtDur(r.RPOWindow))
}

// WriteTable prints the reports side by side.
func WriteTable(w io.Writer, reports []Report) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "drill\tRTO ms\tRPO orders\treplay lag ms\tunflushed B\tpromote ms\tacked before\tacked after\tfailed in outage\tretried orders\t")
	for _, r := range reports {
		lag := "n/a"
		if r.LagBeforeKill.Known {
			lag = fmt.Sprintf("%.2f", ms(r.LagBeforeKill.Replay))
		}
		fmt.Fprintf(tw, "%s\t%.0f\t%d\t%s\t%d\t%.0f\t%d\t%d\t%d\t%d\t\n", r.Name(), ms(r.RTO), r.RPOOrders, lag, r.LagBeforeKill.UnflushedBytes,
			ms(r.PromoteTook), r.AckedBeforeKill, r.AckedAfterFailover, r.FailedDuringOutage, r.RetriedOrders)
	}
	_ = tw.Flush()
}

// Name is the mode, with the replication stall when there was one.
func (r Report) Name() string {
	if r.Stall > 0 {
		return fmt.Sprintf("%s+stall %s", r.Mode, r.Stall)
	}
	return string(r.Mode)
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func fmtDur(d time.Duration) string {
	switch {
	case d < 10*time.Millisecond:
		return fmt.Sprintf("%.2fms", ms(d))
	default:
		return d.Round(time.Millisecond).String()
	}
}

func fmtKinds(m map[string]int) string {
	if len(m) == 0 {
		return "no errors"
	}
	keys := slices.Sorted(maps.Keys(m))
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s=%d", k, m[k])
	}
	return strings.Join(parts, " ")
}
