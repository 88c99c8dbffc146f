package monitoring

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"globalstack/components/base"
)

// alarmEvents matches the state changes of this stack's alarms in region: CloudWatch sends
// every alarm state change to the default event bus of the alarm's region
// (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch-and-eventbridge.html).
func (b *builder) alarmEvents(region string) string {
	return fmt.Sprintf(`{"source":["aws.cloudwatch"],"detail-type":["CloudWatch Alarm State Change"],"region":[%q],`+
		`"resources":[{"prefix":"arn:aws:cloudwatch:%s:%s:alarm:%s-"}]}`, region, region, b.account, b.a.Prefix)
}

// forwardEdgeAlarms brings the state changes of the us-east-1 alarms (CloudFront, WAF) of a
// cell in another region to the stack's topic: a us-east-1 rule sends them to the default
// event bus of the stack's region, a cross-Region target that needs a role allowed
// events:PutEvents on that bus
// (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-cross-region.html), and a rule
// there publishes them to the topic. Nothing but the alarm events leaves us-east-1, and only
// towards the jurisdiction.
func (b *builder) forwardEdgeAlarms() error {
	if b.a.Edge == nil || b.a.Region == GlobalRegion {
		return nil
	}
	ctx, a := b.ctx, b.a
	bus := fmt.Sprintf("arn:aws:events:%s:%s:event-bus/default", a.Region, b.account)
	role, err := iam.NewRole(ctx, b.name+"-edge-alarms", &iam.RoleArgs{
		Name:        pulumi.Sprintf("%s-edge-alarms", a.Prefix),
		Description: pulumi.Sprintf("EventBridge in %s forwards %s's edge alarm events to %s", GlobalRegion, a.Prefix, a.Region),
		AssumeRolePolicy: base.PolicyDocument(base.Statement{
			Principal: base.ServicePrincipal(EventsPrincipal),
			Actions:   []string{"sts:AssumeRole"},
			Condition: pulumi.Map{"StringEquals": pulumi.Map{"aws:SourceAccount": pulumi.String(b.account)}},
		}),
		Tags: b.tags("edge-alarms"),
	}, b.opts()...)
	if err != nil {
		return err
	}
	global := pulumi.Provider(a.Edge.GlobalProvider)
	out, err := cloudwatch.NewEventRule(ctx, b.name+"-edge-alarms-out", &cloudwatch.EventRuleArgs{
		Name:         pulumi.Sprintf("%s-edge-alarms-out", a.Prefix),
		Description:  pulumi.Sprintf("%s edge alarm state changes to the default bus of %s", a.Prefix, a.Region),
		EventPattern: pulumi.String(b.alarmEvents(GlobalRegion)),
		Tags:         b.tags("edge-alarms"),
	}, b.opts(global)...)
	if err != nil {
		return err
	}
	forward, err := cloudwatch.NewEventTarget(ctx, b.name+"-edge-alarms-out", &cloudwatch.EventTargetArgs{
		Rule:     out.Name,
		TargetId: pulumi.String("stack-region-bus"),
		Arn:      pulumi.String(bus),
		RoleArn:  role.Arn,
	}, b.opts(global)...)
	if err != nil {
		return err
	}
	// The policy names the bus, which is also the target's "arn": created after the target.
	if _, err := iam.NewRolePolicy(ctx, b.name+"-edge-alarms", &iam.RolePolicyArgs{
		Role:   role.Name,
		Policy: base.PolicyDocument(base.Statement{Actions: []string{"events:PutEvents"}, Resources: base.Strings(bus)}),
	}, b.opts(pulumi.DependsOn([]pulumi.Resource{forward}))...); err != nil {
		return err
	}
	in, err := cloudwatch.NewEventRule(ctx, b.name+"-edge-alarms-in", &cloudwatch.EventRuleArgs{
		Name:         pulumi.Sprintf("%s-edge-alarms-in", a.Prefix),
		Description:  pulumi.Sprintf("%s edge alarm state changes from %s to the alert topic", a.Prefix, GlobalRegion),
		EventPattern: pulumi.String(b.alarmEvents(GlobalRegion)),
		Tags:         b.tags("edge-alarms"),
	}, b.opts()...)
	if err != nil {
		return err
	}
	_, err = cloudwatch.NewEventTarget(ctx, b.name+"-edge-alarms-in", &cloudwatch.EventTargetArgs{
		Rule:     in.Name,
		TargetId: pulumi.String("alert-topic"),
		Arn:      b.m.TopicArn,
	}, b.opts()...)
	return err
}
