package failover

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/aws/aws-sdk-go-v2/service/eks"
	ekstypes "github.com/aws/aws-sdk-go-v2/service/eks/types"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	rdstypes "github.com/aws/aws-sdk-go-v2/service/rds/types"
)

// auroraState is what RDS reports about the DR cluster and its global cluster. Every read goes
// to the DR region's endpoint so that it works while the primary region is down.
type auroraState struct {
	global  *rdstypes.GlobalCluster // nil when the global cluster no longer exists
	member  *rdstypes.GlobalClusterMember
	writer  *rdstypes.GlobalClusterMember
	cluster rdstypes.DBCluster
}

func (r *run) readAurora(ctx context.Context) (*auroraState, error) {
	t := r.t
	api := r.opts.Clients.RDS(t.DRRegion)
	st := &auroraState{}
	gout, err := api.DescribeGlobalClusters(ctx, &rds.DescribeGlobalClustersInput{GlobalClusterIdentifier: aws.String(t.GlobalClusterID)})
	var notFound *rdstypes.GlobalClusterNotFoundFault
	switch {
	case errors.As(err, &notFound):
	case err != nil:
		return nil, fmt.Errorf("describing global cluster %s in %s: %w", t.GlobalClusterID, t.DRRegion, err)
	default:
		for i := range gout.GlobalClusters {
			if aws.ToString(gout.GlobalClusters[i].GlobalClusterIdentifier) == t.GlobalClusterID {
				st.global = &gout.GlobalClusters[i]
			}
		}
	}
	if st.global != nil {
		for i := range st.global.GlobalClusterMembers {
			m := &st.global.GlobalClusterMembers[i]
			if aws.ToString(m.DBClusterArn) == t.DRClusterARN {
				st.member = m
			}
			if aws.ToBool(m.IsWriter) {
				st.writer = m
			}
		}
	}
	cout, err := api.DescribeDBClusters(ctx, &rds.DescribeDBClustersInput{DBClusterIdentifier: aws.String(t.DRClusterID)})
	if err != nil {
		return nil, fmt.Errorf("describing DR cluster %s in %s: %w", t.DRClusterID, t.DRRegion, err)
	}
	if len(cout.DBClusters) != 1 {
		return nil, fmt.Errorf("describing DR cluster %s in %s: got %d clusters, want 1", t.DRClusterID, t.DRRegion, len(cout.DBClusters))
	}
	st.cluster = cout.DBClusters[0]
	if got := aws.ToString(st.cluster.DBClusterArn); got != t.DRClusterARN {
		return nil, fmt.Errorf("DR cluster %s has ARN %s but the stack output dbClusterArn is %s", t.DRClusterID, got, t.DRClusterARN)
	}
	return st, nil
}

// promoted says whether the DR cluster is the writer: the global writer after a switchover, or
// a standalone cluster after it was detached.
func (st *auroraState) promoted(planned bool) (bool, string) {
	status := aws.ToString(st.cluster.Status)
	desc := "cluster status " + status
	if st.global != nil && st.global.FailoverState != nil {
		desc += ", global cluster " + string(st.global.FailoverState.Status)
	}
	switch {
	case st.member == nil:
		desc += ", standalone (not in the global cluster)"
	case aws.ToBool(st.member.IsWriter):
		desc += ", writer of the global cluster"
	default:
		desc += ", secondary of the global cluster"
	}
	if status != "available" {
		return false, desc
	}
	if planned {
		return st.member != nil && aws.ToBool(st.member.IsWriter) && st.global.FailoverState == nil, desc
	}
	return st.member == nil, desc
}

func memberARNs(g *rdstypes.GlobalCluster) string {
	var arns []string
	for _, m := range g.GlobalClusterMembers {
		arns = append(arns, aws.ToString(m.DBClusterArn))
	}
	sort.Strings(arns)
	if len(arns) == 0 {
		return "none"
	}
	return strings.Join(arns, ", ")
}

// health checks the DR side is ready for the step the run starts from.
func (r *run) health(ctx context.Context) error {
	t := r.t
	st, err := r.readAurora(ctx)
	if err != nil {
		return err
	}
	resumed := r.opts.ResumeFrom.index() > StepPromote.index()
	if resumed {
		if ok, desc := st.promoted(r.opts.Planned); !ok {
			return fmt.Errorf("resuming from %s needs a promoted DR cluster, but %s is not (%s); re-run without -resume-from",
				r.opts.ResumeFrom, t.DRClusterID, desc)
		}
		r.progress("aurora: %s is already promoted", t.DRClusterID)
	} else {
		if st.global == nil {
			return fmt.Errorf("global cluster %s does not exist (read in %s)", t.GlobalClusterID, t.DRRegion)
		}
		if st.member == nil {
			return fmt.Errorf("DR cluster %s is not a member of global cluster %s (members: %s); if an earlier run already detached it, re-run with -resume-from converge",
				t.DRClusterARN, t.GlobalClusterID, memberARNs(st.global))
		}
		if aws.ToBool(st.member.IsWriter) {
			return fmt.Errorf("DR cluster %s is already the writer of global cluster %s; if an earlier run switched over, re-run with -resume-from converge",
				t.DRClusterARN, t.GlobalClusterID)
		}
		if fs := st.global.FailoverState; fs != nil {
			return fmt.Errorf("global cluster %s already has a failover in progress (%s, %s -> %s); wait for it to finish",
				t.GlobalClusterID, fs.Status, aws.ToString(fs.FromDbClusterArn), aws.ToString(fs.ToDbClusterArn))
		}
		if status := aws.ToString(st.cluster.Status); status != "available" {
			return fmt.Errorf("DR cluster %s is %q, want \"available\"", t.DRClusterID, status)
		}
		switch {
		case st.writer != nil:
			t.PrimaryWriterARN = aws.ToString(st.writer.DBClusterArn)
			reg, _ := arnRegion(t.PrimaryWriterARN)
			if r.opts.Planned && reg != t.PrimaryRegion {
				return fmt.Errorf("a planned switchover needs the writer in the primary region %s, but the writer is %s", t.PrimaryRegion, t.PrimaryWriterARN)
			}
			r.progress("aurora: writer %s; DR cluster %s is a secondary, status available", t.PrimaryWriterARN, t.DRClusterID)
		case r.opts.Planned:
			return fmt.Errorf("global cluster %s reports no writer, so the primary region is not healthy: run an unplanned failover (without -planned)", t.GlobalClusterID)
		default:
			r.progress("aurora: global cluster reports no writer (primary lost); DR cluster %s is a secondary, status available", t.DRClusterID)
		}
		t.ReplicationLag = r.lag(ctx, st)
		r.progress("aurora: replication lag %s", t.ReplicationLag)
	}

	out, err := r.opts.Clients.EKS(t.DRRegion).DescribeCluster(ctx, &eks.DescribeClusterInput{Name: aws.String(t.EKSCluster)})
	if err != nil {
		return fmt.Errorf("describing EKS cluster %s in %s: %w", t.EKSCluster, t.DRRegion, err)
	}
	if out.Cluster == nil || out.Cluster.Status != ekstypes.ClusterStatusActive {
		status := "unknown"
		if out.Cluster != nil {
			status = string(out.Cluster.Status)
		}
		return fmt.Errorf("EKS cluster %s in %s is %s, want ACTIVE", t.EKSCluster, t.DRRegion, status)
	}
	r.progress("eks: cluster %s is ACTIVE", t.EKSCluster)
	return nil
}

// lag reads the replication lag for information only; it never fails the run.
func (r *run) lag(ctx context.Context, st *auroraState) string {
	t := r.t
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	now := time.Now()
	out, err := r.opts.Clients.Metrics(t.DRRegion).GetMetricStatistics(ctx, &cloudwatch.GetMetricStatisticsInput{
		Namespace:  aws.String("AWS/RDS"),
		MetricName: aws.String("AuroraGlobalDBReplicationLag"),
		Dimensions: []cwtypes.Dimension{{Name: aws.String("DBClusterIdentifier"), Value: aws.String(t.DRClusterID)}},
		StartTime:  aws.Time(now.Add(-10 * time.Minute)),
		EndTime:    aws.Time(now),
		Period:     aws.Int32(60),
		Statistics: []cwtypes.Statistic{cwtypes.StatisticMaximum},
	})
	if err == nil && len(out.Datapoints) > 0 {
		latest := out.Datapoints[0]
		for _, d := range out.Datapoints[1:] {
			if aws.ToTime(d.Timestamp).After(aws.ToTime(latest.Timestamp)) {
				latest = d
			}
		}
		return fmt.Sprintf("%.0f ms (max over the minute at %s)", aws.ToFloat64(latest.Maximum), aws.ToTime(latest.Timestamp).UTC().Format(time.RFC3339))
	}
	why := "no datapoints in the last 10 minutes"
	if err != nil {
		why = "metric not readable: " + firstLine(err.Error())
	}
	if st.member != nil && st.member.SynchronizationStatus != "" {
		why += "; member synchronization status " + string(st.member.SynchronizationStatus)
	}
	return "unavailable (" + why + ")"
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

func (r *run) promote(ctx context.Context) error {
	t := r.t
	api := r.opts.Clients.RDS(t.DRRegion)
	if r.opts.Planned {
		desc := fmt.Sprintf("rds:SwitchoverGlobalCluster(GlobalClusterIdentifier=%s, TargetDbClusterIdentifier=%s) in %s", t.GlobalClusterID, t.DRClusterARN, t.DRRegion)
		if r.opts.DryRun {
			r.progress("would call %s and wait up to %s for %s to become the writer", desc, r.opts.PromoteTimeout, t.DRClusterID)
			return nil
		}
		r.progress("calling %s", desc)
		if _, err := api.SwitchoverGlobalCluster(ctx, &rds.SwitchoverGlobalClusterInput{
			GlobalClusterIdentifier:   aws.String(t.GlobalClusterID),
			TargetDbClusterIdentifier: aws.String(t.DRClusterARN),
		}); err != nil {
			return fmt.Errorf("SwitchoverGlobalCluster: %w", err)
		}
	} else {
		desc := fmt.Sprintf("rds:RemoveFromGlobalCluster(GlobalClusterIdentifier=%s, DbClusterIdentifier=%s) in %s", t.GlobalClusterID, t.DRClusterARN, t.DRRegion)
		if r.opts.DryRun {
			r.progress("would call %s and wait up to %s for %s to become a standalone writer", desc, r.opts.PromoteTimeout, t.DRClusterID)
			return nil
		}
		r.progress("calling %s", desc)
		if _, err := api.RemoveFromGlobalCluster(ctx, &rds.RemoveFromGlobalClusterInput{
			GlobalClusterIdentifier: aws.String(t.GlobalClusterID),
			DbClusterIdentifier:     aws.String(t.DRClusterARN),
		}); err != nil {
			return fmt.Errorf("RemoveFromGlobalCluster: %w", err)
		}
	}
	t.promoteRequested = true
	return r.waitPromoted(ctx)
}

func (r *run) waitPromoted(ctx context.Context) error {
	deadline := time.Now().Add(r.opts.PromoteTimeout)
	last := ""
	for {
		st, err := r.readAurora(ctx)
		if err != nil {
			// A read can fail transiently while the cluster changes role; keep polling.
			r.progress("waiting: %v", err)
		} else {
			ok, desc := st.promoted(r.opts.Planned)
			if ok {
				r.progress("aurora: %s is promoted (%s)", r.t.DRClusterID, desc)
				return nil
			}
			if desc != last {
				r.progress("waiting: %s", desc)
				last = desc
			}
		}
		if time.Now().Add(r.opts.PollInterval).After(deadline) {
			return fmt.Errorf("DR cluster %s was not promoted within %s (last state: %s)", r.t.DRClusterID, r.opts.PromoteTimeout, last)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(r.opts.PollInterval):
		}
	}
}

func (r *run) postcheck(ctx context.Context) error {
	t := r.t
	if r.opts.DryRun {
		r.progress("would check: %s is the writer in %s, EKS cluster %s is ACTIVE with nodes", t.DRClusterID, t.DRRegion, t.EKSCluster)
		return nil
	}
	st, err := r.readAurora(ctx)
	if err != nil {
		return err
	}
	ok, desc := st.promoted(r.opts.Planned)
	if !ok {
		return fmt.Errorf("DR cluster %s is not the writer (%s)", t.DRClusterID, desc)
	}
	writerARN := aws.ToString(st.cluster.DBClusterArn)
	if reg, err := arnRegion(writerARN); err != nil || reg != t.DRRegion {
		return fmt.Errorf("writer %s is not in the DR region %s", writerARN, t.DRRegion)
	}
	r.progress("aurora: writer is %s in %s (%s)", t.DRClusterID, t.DRRegion, desc)

	api := r.opts.Clients.EKS(t.DRRegion)
	cl, err := api.DescribeCluster(ctx, &eks.DescribeClusterInput{Name: aws.String(t.EKSCluster)})
	if err != nil {
		return fmt.Errorf("describing EKS cluster %s: %w", t.EKSCluster, err)
	}
	if cl.Cluster == nil || cl.Cluster.Status != ekstypes.ClusterStatusActive {
		return fmt.Errorf("EKS cluster %s is not ACTIVE after converge", t.EKSCluster)
	}
	var groups []string
	var next *string
	for {
		out, err := api.ListNodegroups(ctx, &eks.ListNodegroupsInput{ClusterName: aws.String(t.EKSCluster), NextToken: next})
		if err != nil {
			return fmt.Errorf("listing node groups of %s: %w", t.EKSCluster, err)
		}
		groups = append(groups, out.Nodegroups...)
		if next = out.NextToken; next == nil {
			break
		}
	}
	desired := int32(0)
	for _, g := range groups {
		ng, err := api.DescribeNodegroup(ctx, &eks.DescribeNodegroupInput{ClusterName: aws.String(t.EKSCluster), NodegroupName: aws.String(g)})
		if err != nil {
			return fmt.Errorf("describing node group %s: %w", g, err)
		}
		if ng.Nodegroup != nil && ng.Nodegroup.ScalingConfig != nil {
			n := aws.ToInt32(ng.Nodegroup.ScalingConfig.DesiredSize)
			desired += n
			r.progress("eks: node group %s desires %d nodes (%s)", g, n, ng.Nodegroup.Status)
		}
	}
	if desired == 0 {
		return fmt.Errorf("EKS cluster %s has no nodes desired after converge (%d node groups): the storefront cannot run; check that the pulumi up applied failover=true", t.EKSCluster, len(groups))
	}
	return nil
}
