package mockcloud

import (
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

// RegionLabel is the well-known label a workload sets on objects whose cloud side (a load
// balancer) lives in a region; the mock uses it to spell that region in hostnames.
const RegionLabel = "topology.kubernetes.io/region"

// kubernetesModels are the objects whose controller publishes something the program reads;
// every other Kubernetes type is in plainTypes.
var kubernetesModels = map[string]synthFunc{
	"kubernetes:networking.k8s.io/v1:Ingress": ingress,
	"kubernetes:helm.sh/v3:Release":           helmRelease,
}

// kubernetesMeta gives a Kubernetes object its name (auto-named like the provider does when
// metadata.name is absent) and returns the "namespace/name" id.
func kubernetesMeta(r *Resource, out resource.PropertyMap) string {
	meta := resource.PropertyMap{}
	if m := unsecret(out["metadata"]); m.IsObject() {
		meta = m.ObjectValue().Copy()
	}
	name := stringInput(meta, "name")
	if name == "" {
		name = r.Name + "-" + hashID("", r.URN, 8)
		meta["name"] = resource.NewProperty(name)
	}
	meta["uid"] = resource.NewProperty(uuidFrom(r.URN))
	out["metadata"] = resource.NewProperty(meta)
	if ns := stringInput(meta, "namespace"); ns != "" {
		return ns + "/" + name
	}
	return name
}

// ingress: the AWS Load Balancer Controller publishes the ALB's DNS name in the Ingress status.
func ingress(r *Resource, _ string, out resource.PropertyMap) string {
	id := kubernetesMeta(r, out)
	ns, name, _ := strings.Cut(id, "/")
	if name == "" {
		ns, name = "default", id
	}
	host := "k8s-" + trim(ns, 8) + "-" + trim(name, 8) + "-" + hashID("", r.URN, 10) + "-" + decimalByte(hashID("", r.URN+"/n", 6)) + "0472815"
	if labels := r.In("metadata.labels"); labels.IsObject() {
		if region := stringInput(labels.ObjectValue(), RegionLabel); region != "" {
			host += "." + region
		}
	}
	host += ".elb.amazonaws.com"
	out["status"] = resource.NewProperty(resource.PropertyMap{
		"loadBalancer": resource.NewProperty(resource.PropertyMap{
			"ingress": resource.NewProperty([]resource.PropertyValue{resource.NewProperty(resource.PropertyMap{
				"hostname": resource.NewProperty(host),
			})}),
		}),
	})
	return id
}

func helmRelease(r *Resource, phys string, out resource.PropertyMap) string {
	delete(out, "metadata")
	ns := stringInput(r.Inputs, "namespace")
	if ns == "" {
		ns = "default"
	}
	out["status"] = resource.NewProperty(resource.PropertyMap{
		"name":      resource.NewProperty(phys),
		"namespace": resource.NewProperty(ns),
		"chart":     resource.NewProperty(stringInput(r.Inputs, "chart")),
		"version":   resource.NewProperty(stringInput(r.Inputs, "version")),
		"status":    resource.NewProperty("deployed"),
		"revision":  resource.NewProperty(1.0),
	})
	return ns + "/" + phys
}
