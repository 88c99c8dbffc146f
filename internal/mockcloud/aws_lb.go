package mockcloud

import (
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

// lbModels: Elastic Load Balancing v2 identifies everything by ARN; a load balancer's DNS
// name and canonical hosted zone are what Route 53 aliases point at.
var lbModels = map[string]synthFunc{
	"aws:lb/loadBalancer:LoadBalancer": loadBalancer,
	"aws:lb/targetGroup:TargetGroup":   targetGroup,
	"aws:lb/listener:Listener":         lbListener,
	"aws:lb/listenerRule:ListenerRule": lbListenerRule,
}

// elbHostedZone is the canonical hosted zone of Application Load Balancers per region
// (https://docs.aws.amazon.com/general/latest/gr/elb.html), for the regions the cells use.
var elbHostedZone = map[string]string{
	"us-east-1": "Z35SXDOTRQ7X7K", "us-west-2": "Z1H1FL5HABSF5", "eu-west-1": "Z32O12XQLNTSW2",
	"eu-central-1": "Z215JYRZR1TBD5", "ap-northeast-1": "Z14GRHDCWA56QT", "ap-northeast-3": "Z5LXEXXYW11ES",
}

// loadBalancer: arn .../loadbalancer/app/<name>/<16 hex>, arnSuffix app/<name>/<16 hex>,
// dnsName <name>-<digits>.<region>.elb.amazonaws.com ("internal-" first for internal ones).
func loadBalancer(r *Resource, phys string, out resource.PropertyMap) string {
	kind := "app"
	if t := stringInput(r.Inputs, "loadBalancerType"); t == "network" {
		kind = "net"
	}
	suffix := kind + "/" + phys + "/" + hashID("", r.URN, 16)
	a := arn("elasticloadbalancing", r.Region, "loadbalancer/"+suffix)
	out["arn"] = resource.NewProperty(a)
	out["arnSuffix"] = resource.NewProperty(suffix)
	host := strings.ToLower(phys) + "-" + decimalByte(hashID("", r.URN+"/dns", 6)) + "0472815." + r.Region + ".elb.amazonaws.com"
	if r.In("internal").IsBool() && r.In("internal").BoolValue() {
		host = "internal-" + host
	}
	out["dnsName"] = resource.NewProperty(host)
	out["zoneId"] = resource.NewProperty(elbHostedZone[r.Region])
	return a
}

func targetGroup(r *Resource, phys string, out resource.PropertyMap) string {
	suffix := "targetgroup/" + phys + "/" + hashID("", r.URN, 16)
	a := arn("elasticloadbalancing", r.Region, suffix)
	out["arn"] = resource.NewProperty(a)
	out["arnSuffix"] = resource.NewProperty(suffix)
	return a
}

// lbListener: arn .../listener/app/<lb name>/<lb id>/<16 hex>, under its load balancer.
func lbListener(r *Resource, _ string, out resource.PropertyMap) string {
	delete(out, "name")
	lb := stringInput(r.Inputs, "loadBalancerArn")
	_, lbPath, _ := strings.Cut(lb, ":loadbalancer/")
	a := arn("elasticloadbalancing", r.Region, "listener/"+lbPath+"/"+hashID("", r.URN, 16))
	out["arn"] = resource.NewProperty(a)
	return a
}

func lbListenerRule(r *Resource, _ string, out resource.PropertyMap) string {
	delete(out, "name")
	l := stringInput(r.Inputs, "listenerArn")
	_, path, _ := strings.Cut(l, ":listener/")
	a := arn("elasticloadbalancing", r.Region, "listener-rule/"+path+"/"+hashID("", r.URN, 16))
	out["arn"] = resource.NewProperty(a)
	return a
}
