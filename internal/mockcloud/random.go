package mockcloud

import (
	"encoding/base64"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

var randomModels = map[string]synthFunc{
	"random:index/randomPassword:RandomPassword": randomPassword,
	"random:index/randomId:RandomId":             randomID,
	"random:index/randomString:RandomString":     randomString,
}

// randomChars is a stable string of n hex characters derived from seed.
func randomChars(seed string, n int) string {
	s := ""
	for len(s) < n {
		s += hashID("", seed+s, 64)
	}
	return s[:n]
}

// randomPassword's result and bcrypt hash are secrets, as the provider marks them.
func randomPassword(r *Resource, _ string, out resource.PropertyMap) string {
	n := int(r.Num("length"))
	if n <= 0 {
		n = 32
	}
	out["result"] = resource.MakeSecret(resource.NewProperty(randomChars(r.URN, n)))
	out["bcryptHash"] = resource.MakeSecret(resource.NewProperty("$2a$10$" + hashID("", r.URN, 53)))
	return "none"
}

func randomID(r *Resource, _ string, out resource.PropertyMap) string {
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
}

func randomString(r *Resource, _ string, out resource.PropertyMap) string {
	n := int(r.Num("length"))
	if n <= 0 {
		n = 16
	}
	s := randomChars(r.URN, n)
	out["result"] = resource.NewProperty(s)
	return s
}
