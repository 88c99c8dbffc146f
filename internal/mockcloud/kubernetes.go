package mockcloud

import (
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

// RegionLabel is the well-known label a workload sets on objects whose cloud side (a load
// balancer) lives in a region; the mock uses it to spell that region in hostnames.
const RegionLabel = "topology.kubernetes.io/region"

func init() {
	register(map[string]synthFunc{
		// The AWS Load Balancer Controller publishes the ALB's DNS name in the Ingress status.
		"kubernetes:networking.k8s.io/v1:Ingress": func(r *Resource, _ string, out resource.PropertyMap) string {
			id := kubernetesMeta(r, out)
			ns, name, _ := strings.Cut(id, "/")
			if name == "" {
				ns, name = "default", id
			}
			host := "k8s-" + trim(ns, 8) + "-" + trim(name, 8) + "-" + hashID("", r.URN, 10) + "-" + decimalByte(hashID("", r.URN+"/n", 6)) + "0472815"
			if labels := r.In("metadata.labels"); labels.IsObject() && stringInput(labels.ObjectValue(), RegionLabel) != "" {
				region := stringInput(labels.ObjectValue(), RegionLabel)
				host += "." + region
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
		},
		"kubernetes:helm.sh/v3:Release": func(r *Resource, phys string, out resource.PropertyMap) string {
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
		},
	})
}

func trim(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}
