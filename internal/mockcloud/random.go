package mockcloud

import (
	"encoding/base64"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

func init() {
	register(map[string]synthFunc{
		"random:index/randomPassword:RandomPassword": func(r *Resource, _ string, out resource.PropertyMap) string {
			n := int(r.Num("length"))
			if n <= 0 {
				n = 32
			}
			pw := ""
			for len(pw) < n {
				pw += hashID("", r.URN+pw, 64)
			}
			out["result"] = resource.MakeSecret(resource.NewProperty(pw[:n]))
			out["bcryptHash"] = resource.MakeSecret(resource.NewProperty("$2a$10$" + hashID("", r.URN, 53)))
			return "none"
		},
		"random:index/randomId:RandomId": func(r *Resource, _ string, out resource.PropertyMap) string {
			n := int(r.Num("byteLength"))
			if n <= 0 {
				n = 4
			}
			h := hashID("", r.URN, 2*n)
			prefix := r.Str("prefix")
			out["hex"] = resource.NewProperty(prefix + h)
			out["dec"] = resource.NewProperty(prefix + h)
			out["b64Url"] = resource.NewProperty(prefix + base64.RawURLEncoding.EncodeToString([]byte(h)))
			out["b64Std"] = resource.NewProperty(prefix + base64.StdEncoding.EncodeToString([]byte(h)))
			return base64.RawURLEncoding.EncodeToString([]byte(h))
		},
		"random:index/randomString:RandomString": func(r *Resource, _ string, out resource.PropertyMap) string {
			n := int(r.Num("length"))
			if n <= 0 {
				n = 16
			}
			s := ""
			for len(s) < n {
				s += hashID("", r.URN+s, 64)
			}
			out["result"] = resource.NewProperty(s[:n])
			return s[:n]
		},
	})
}
