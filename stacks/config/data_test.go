package config

import (
	"strings"
	"testing"
)

func TestDataDefaultsBySizing(t *testing.T) {
	prod, err := Parse("prod-eu", validEU())
	if err != nil {
		t.Fatal(err)
	}
	if prod.Database != (DatabaseConfig{InstanceClass: "db.r6g.large", Instances: 3, EngineVersion: "16.8", BackupRetentionDays: 14,
		PerformanceInsightsRetentionDays: 7, LogRetentionDays: 365}) {
		t.Errorf("prod database %+v", prod.Database)
	}
	if prod.Cache != (CacheConfig{NodeType: "cache.r7g.large", Nodes: 3, EngineVersion: "7.1", SnapshotRetentionDays: 7, LogRetentionDays: 365}) {
		t.Errorf("prod cache %+v", prod.Cache)
	}
	if prod.Search != (SearchConfig{InstanceType: "r6g.large.search", InstanceCount: 3, MasterInstanceType: "m6g.large.search",
		VolumeSizeGiB: 100, EngineVersion: "OpenSearch_2.17", LogRetentionDays: 365}) {
		t.Errorf("prod search %+v", prod.Search)
	}

	src := validEU()
	src["globalstack:sizing"] = "dev"
	src["globalstack:azCount"] = "2"
	dev, err := Parse("dev-eu", src)
	if err != nil {
		t.Fatal(err)
	}
	if dev.Database.Instances != 2 || dev.Database.BackupRetentionDays != 7 || dev.Cache.NodeType != "cache.t4g.small" ||
		dev.Cache.Nodes != 2 || dev.Search.InstanceType != "t3.medium.search" || dev.Search.VolumeSizeGiB != 20 {
		t.Errorf("dev data tier %+v", dev.DataTier)
	}
	if dev.Search.InstanceCount != 2 {
		t.Errorf("a 2-zone cell's search defaults to %d nodes, want 2", dev.Search.InstanceCount)
	}
}

func TestDataSectionsOverrideOnlyWhatTheySet(t *testing.T) {
	src := validEU()
	src["globalstack:database"] = `{"instances": 5, "drInstances": 1}`
	src["globalstack:cache"] = `{"nodeType": "cache.r7g.xlarge"}`
	src["globalstack:search"] = `{"instanceCount": 6, "logRetentionDays": 90}`
	c, err := Parse("prod-eu", src)
	if err != nil {
		t.Fatal(err)
	}
	if c.Database.Instances != 5 || c.Database.DRInstances != 1 || c.Database.InstanceClass != "db.r6g.large" {
		t.Errorf("database %+v", c.Database)
	}
	if c.Cache.NodeType != "cache.r7g.xlarge" || c.Cache.Nodes != 3 {
		t.Errorf("cache %+v", c.Cache)
	}
	if c.Search.InstanceCount != 6 || c.Search.LogRetentionDays != 90 || c.Search.VolumeSizeGiB != 100 {
		t.Errorf("search %+v", c.Search)
	}
}

func TestBadDataConfigNamesEveryKey(t *testing.T) {
	src := validEU()
	src["globalstack:database"] = `{"instanceClass": "db.t4g.medium", "instances": 1, "engineVersion": "12.1", "backupRetentionDays": 40,
		"performanceInsightsRetentionDays": 30, "logRetentionDays": 8, "drInstances": -1}`
	src["globalstack:cache"] = `{"nodeType": "r7g.large", "nodes": 7, "engineVersion": "5.0", "snapshotRetentionDays": 0, "logRetentionDays": 2}`
	src["globalstack:search"] = `{"instanceType": "r6g.large", "masterInstanceType": "m6g", "instanceCount": 4, "volumeSizeGiB": 5,
		"engineVersion": "7.10", "logRetentionDays": 11}`
	_, err := Parse("prod-eu", src)
	if err == nil {
		t.Fatal("bad data config accepted")
	}
	for _, key := range []string{
		"database.instanceClass", "database.instances", "database.engineVersion", "database.backupRetentionDays",
		"database.performanceInsightsRetentionDays", "database.logRetentionDays", "database.drInstances",
		"cache.nodeType", "cache.nodes", "cache.engineVersion", "cache.snapshotRetentionDays", "cache.logRetentionDays",
		"search.instanceType", "search.masterInstanceType", "search.instanceCount", "search.volumeSizeGiB",
		"search.engineVersion", "search.logRetentionDays",
	} {
		if !strings.Contains(err.Error(), "globalstack:"+key+": ") {
			t.Errorf("error does not name globalstack:%s:\n%v", key, err)
		}
	}
}

func TestDataSectionRejectsUnknownFieldsAndNonObjects(t *testing.T) {
	src := validEU()
	src["globalstack:database"] = `{"instance_class": "db.r6g.large"}`
	src["globalstack:cache"] = `cache.r7g.large`
	src["globalstack:search"] = `{"instanceCount": "three"}`
	_, err := Parse("prod-eu", src)
	if err == nil {
		t.Fatal("accepted")
	}
	for _, want := range []string{`globalstack:database: json: unknown field "instance_class"`, "globalstack:cache: is not a JSON/YAML object", "globalstack:search: json: cannot unmarshal string"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
}
