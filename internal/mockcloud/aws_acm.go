package mockcloud

import "github.com/pulumi/pulumi/sdk/v3/go/common/resource"

var acmModels = map[string]synthFunc{
	"aws:acm/certificate:Certificate":                     acmCertificate,
	"aws:acm/certificateValidation:CertificateValidation": acmCertificateValidation,
}

// acmCertificate is issued, with one DNS validation record per name.
func acmCertificate(r *Resource, _ string, out resource.PropertyMap) string {
	a := arn("acm", r.Region, "certificate/"+uuidFrom(r.URN))
	delete(out, "name")
	out["arn"] = resource.NewProperty(a)
	out["status"] = resource.NewProperty("ISSUED")
	names := []string{stringInput(r.Inputs, "domainName")}
	names = append(names, r.Strs("subjectAlternativeNames")...)
	var dvos []resource.PropertyValue
	for _, n := range names {
		// ACM derives the validation CNAME from the account and the domain name, so
		// every certificate for a name (any region, any stack) asks for the same record.
		token := hashID("", Account+"/"+n, 32)
		dvos = append(dvos, resource.NewProperty(resource.PropertyMap{
			"domainName":          resource.NewProperty(n),
			"resourceRecordName":  resource.NewProperty("_" + token + "." + n + "."),
			"resourceRecordType":  resource.NewProperty("CNAME"),
			"resourceRecordValue": resource.NewProperty("_" + hashID("", token, 32) + ".mhbtsbpdnt.acm-validations.aws."),
		}))
	}
	out["domainValidationOptions"] = resource.NewProperty(dvos)
	return a
}

func acmCertificateValidation(r *Resource, _ string, out resource.PropertyMap) string {
	delete(out, "arn")
	delete(out, "name")
	return stringInput(r.Inputs, "certificateArn")
}
