package mockcloud

import "github.com/pulumi/pulumi/sdk/v3/go/common/resource"

var eksModels = map[string]synthFunc{
	"aws:eks/cluster:Cluster":                                 eksCluster,
	"aws:eks/nodeGroup:NodeGroup":                             eksNodeGroup,
	"aws:eks/addon:Addon":                                     eksAddon,
	"aws:eks/accessEntry:AccessEntry":                         eksAccessEntry,
	"aws:eks/accessPolicyAssociation:AccessPolicyAssociation": eksAccessPolicyAssociation,
}

func eksCluster(r *Resource, phys string, out resource.PropertyMap) string {
	out["arn"] = resource.NewProperty(arn("eks", r.Region, "cluster/"+phys))
	out["endpoint"] = resource.NewProperty("https://" + upperHex(r.URN, 32) + ".gr7." + r.Region + ".eks.amazonaws.com")
	out["certificateAuthority"] = resource.NewProperty(resource.PropertyMap{"data": resource.NewProperty(fakeCA(r.URN))})
	out["identities"] = resource.NewProperty([]resource.PropertyValue{resource.NewProperty(resource.PropertyMap{
		"oidcs": resource.NewProperty([]resource.PropertyValue{resource.NewProperty(resource.PropertyMap{
			"issuer": resource.NewProperty("https://oidc.eks." + r.Region + ".amazonaws.com/id/" + upperHex(r.URN+"/oidc", 32)),
		})}),
	})})
	vpc := resource.PropertyMap{}
	if v := unsecret(r.Inputs["vpcConfig"]); v.IsObject() {
		vpc = v.ObjectValue().Copy()
	}
	vpc["clusterSecurityGroupId"] = resource.NewProperty(ec2ID("sg", &Resource{URN: r.URN + "/cluster-sg"}))
	vpc["vpcId"] = resource.NewProperty(ec2ID("vpc", &Resource{URN: r.URN + "/vpc"}))
	out["vpcConfig"] = resource.NewProperty(vpc)
	out["status"] = resource.NewProperty("ACTIVE")
	out["platformVersion"] = resource.NewProperty("eks.12")
	out["clusterId"] = resource.NewProperty(uuidFrom(r.URN))
	return phys
}

// eksNodeGroup's id is "<cluster>:<node group>"; it reports its Auto Scaling group.
func eksNodeGroup(r *Resource, _ string, out resource.PropertyMap) string {
	cluster := stringInput(r.Inputs, "clusterName")
	ng := stringInput(r.Inputs, "nodeGroupName")
	if ng == "" {
		ng = r.Name + "-" + hashID("", r.URN, 8)
	}
	delete(out, "name")
	out["nodeGroupName"] = resource.NewProperty(ng)
	out["arn"] = resource.NewProperty(arn("eks", r.Region, "nodegroup/"+cluster+"/"+ng+"/"+uuidFrom(r.URN)))
	out["status"] = resource.NewProperty("ACTIVE")
	out["resources"] = resource.NewProperty([]resource.PropertyValue{resource.NewProperty(resource.PropertyMap{
		"autoscalingGroups": resource.NewProperty([]resource.PropertyValue{resource.NewProperty(resource.PropertyMap{
			"name": resource.NewProperty("eks-" + ng + "-" + uuidFrom(r.URN)),
		})}),
	})})
	return cluster + ":" + ng
}

func eksAddon(r *Resource, _ string, out resource.PropertyMap) string {
	cluster, addon := stringInput(r.Inputs, "clusterName"), stringInput(r.Inputs, "addonName")
	delete(out, "name")
	out["arn"] = resource.NewProperty(arn("eks", r.Region, "addon/"+cluster+"/"+addon+"/"+uuidFrom(r.URN)))
	return cluster + ":" + addon
}

func eksAccessEntry(r *Resource, _ string, out resource.PropertyMap) string {
	cluster, principal := stringInput(r.Inputs, "clusterName"), stringInput(r.Inputs, "principalArn")
	delete(out, "name")
	out["accessEntryArn"] = resource.NewProperty(arn("eks", r.Region, "access-entry/"+cluster+"/role/"+Account+"/"+uuidFrom(r.URN)))
	return cluster + ":" + principal
}

func eksAccessPolicyAssociation(r *Resource, _ string, out resource.PropertyMap) string {
	delete(out, "name")
	return stringInput(r.Inputs, "clusterName") + "#" + stringInput(r.Inputs, "principalArn") + "#" + stringInput(r.Inputs, "policyArn")
}
