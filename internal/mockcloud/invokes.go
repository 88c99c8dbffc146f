package mockcloud

import (
	"fmt"

	"globalstack/components/regions"
)

// invokeFunc answers one provider function for a region; it fails for arguments the real
// provider rejects.
type invokeFunc func(region string, args map[string]any) (map[string]any, error)

// invokes are the provider functions (data sources) the program calls. Service-specific
// lookups are next to that service's models (aws_ec2.go, aws_route53.go).
var invokes = map[string]invokeFunc{
	"aws:index/getAvailabilityZones:getAvailabilityZones": availabilityZones,
	"aws:index/getCallerIdentity:getCallerIdentity":       callerIdentity,
	"aws:index/getRegion:getRegion":                       currentRegion,
	"aws:index/getPartition:getPartition":                 partition,
	"aws:ec2/getManagedPrefixList:getManagedPrefixList":   managedPrefixList,
	"aws:route53/getZone:getZone":                         hostedZone,
}

func availabilityZones(region string, _ map[string]any) (map[string]any, error) {
	names := regions.Zones(region)
	ids := make([]any, len(names))
	nameList := make([]any, len(names))
	for i, n := range names {
		nameList[i] = n
		ids[i] = fmt.Sprintf("%s-az%d", shortRegion(region), i+1)
	}
	return map[string]any{"id": region, "names": nameList, "zoneIds": ids, "groupNames": []any{region}}, nil
}

func callerIdentity(string, map[string]any) (map[string]any, error) {
	return map[string]any{"id": Account, "accountId": Account, "arn": "arn:aws:iam::" + Account + ":role/deployer", "userId": "AROAEXAMPLEDEPLOYER"}, nil
}

func currentRegion(region string, _ map[string]any) (map[string]any, error) {
	return map[string]any{"id": region, "name": region, "region": region, "endpoint": "ec2." + region + ".amazonaws.com", "description": region}, nil
}

func partition(string, map[string]any) (map[string]any, error) {
	return map[string]any{"id": "aws", "partition": "aws", "dnsSuffix": "amazonaws.com", "reverseDnsPrefix": "com.amazonaws"}, nil
}
