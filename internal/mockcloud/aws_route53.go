package mockcloud

import (
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

// route53Models: Route 53 is global, its ARNs carry no region.
var route53Models = map[string]synthFunc{
	"aws:route53/healthCheck:HealthCheck": route53HealthCheck,
	"aws:route53/record:Record":           route53Record,
}

func route53HealthCheck(r *Resource, _ string, out resource.PropertyMap) string {
	id := uuidFrom(r.URN)
	delete(out, "name")
	out["arn"] = resource.NewProperty("arn:aws:route53:::healthcheck/" + id)
	return id
}

// route53Record's id is "<zone>_<fqdn>_<type>".
func route53Record(r *Resource, phys string, out resource.PropertyMap) string {
	delete(out, "arn")
	fqdn := strings.TrimSuffix(phys, ".")
	out["fqdn"] = resource.NewProperty(fqdn)
	return stringInput(r.Inputs, "zoneId") + "_" + fqdn + "_" + stringInput(r.Inputs, "type")
}

// hostedZone answers route53.LookupZone by name with a public zone.
func hostedZone(_ string, args map[string]any) (map[string]any, error) {
	name, _ := args["name"].(string)
	name = strings.TrimSuffix(name, ".")
	id := "Z" + upperHex("zone/"+name, 20)
	return map[string]any{
		"id": id, "zoneId": id, "name": name, "arn": "arn:aws:route53:::hostedzone/" + id,
		"privateZone": false, "callerReference": "mock", "comment": "", "resourceRecordSetCount": 2.0,
		"nameServers": []any{"ns-1.awsdns-01.org", "ns-2.awsdns-02.co.uk"}, "primaryNameServer": "ns-1.awsdns-01.org",
		"tags": map[string]any{}, "vpcId": "", "linkedServiceDescription": "", "linkedServicePrincipal": "",
	}, nil
}
