package main

import (
	"encoding/json"
	"net"
	"strings"
	"testing"
)

// The CNI config puts every pod address in the cluster subnet (so ptp's ipMasq exempts all pod
// to pod traffic) while handing out only the node's podCIDR, gateway first.
func TestCNIConfigMasqueradesOnlyOutsideTheClusterSubnet(t *testing.T) {
	cluster, err := ipv4Subnet("10.244.0.0/16,fd00:10:244::/56")
	if err != nil {
		t.Fatal(err)
	}
	conf, err := cniConfig("10.244.1.0/24", cluster)
	if err != nil {
		t.Fatal(err)
	}
	var c struct {
		Plugins []struct {
			Type   string `json:"type"`
			IPMasq bool   `json:"ipMasq"`
			IPAM   struct {
				Ranges [][]map[string]string `json:"ranges"`
			} `json:"ipam"`
		} `json:"plugins"`
	}
	if err := json.Unmarshal([]byte(conf), &c); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, conf)
	}
	ptp := c.Plugins[0]
	if ptp.Type != "ptp" || !ptp.IPMasq {
		t.Fatalf("first plugin %+v: want ptp with ipMasq", ptp)
	}
	got := ptp.IPAM.Ranges[0][0]
	want := map[string]string{"subnet": "10.244.0.0/16", "rangeStart": "10.244.1.2", "rangeEnd": "10.244.1.254", "gateway": "10.244.1.1"}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("range %s = %q, want %q", k, got[k], v)
		}
	}
}

func TestCNIConfigRefusesPodCIDROutsideCluster(t *testing.T) {
	_, cluster, _ := net.ParseCIDR("10.244.0.0/16")
	for _, pod := range []string{"10.245.1.0/24", "10.0.0.0/8", "fd00::/64", "10.244.1.0/31", "junk"} {
		if _, err := cniConfig(pod, cluster); err == nil {
			t.Errorf("cniConfig(%s) = nil error", pod)
		}
	}
	if _, err := ipv4Subnet("fd00::/56"); err == nil || !strings.Contains(err.Error(), "no IPv4") {
		t.Errorf("ipv4Subnet(v6 only) = %v", err)
	}
}
