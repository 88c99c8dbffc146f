package rules

import (
	"fmt"
	"net/netip"
	"sort"
	"strconv"
	"strings"
)

// portRange is an inclusive range of ports.
type portRange struct{ lo, hi int }

// portSet is a sorted list of disjoint port ranges.
type portSet []portRange

var allPorts = portSet{{0, 65535}}

func span(lo, hi int) portSet {
	if lo > hi {
		return nil
	}
	return portSet{{lo, hi}}
}

func (a portSet) union(b portSet) portSet {
	all := append(append(portSet{}, a...), b...)
	sort.Slice(all, func(i, j int) bool { return all[i].lo < all[j].lo })
	var out portSet
	for _, r := range all {
		if n := len(out); n > 0 && r.lo <= out[n-1].hi+1 {
			out[n-1].hi = max(out[n-1].hi, r.hi)
			continue
		}
		out = append(out, r)
	}
	return out
}

func (a portSet) intersect(b portSet) portSet {
	var out portSet
	for _, x := range a {
		for _, y := range b {
			if lo, hi := max(x.lo, y.lo), min(x.hi, y.hi); lo <= hi {
				out = append(out, portRange{lo, hi})
			}
		}
	}
	return out.union(nil)
}

func (a portSet) minus(b portSet) portSet {
	out := append(portSet{}, a...)
	for _, y := range b {
		var next portSet
		for _, x := range out {
			if y.hi < x.lo || y.lo > x.hi {
				next = append(next, x)
				continue
			}
			if x.lo < y.lo {
				next = append(next, portRange{x.lo, y.lo - 1})
			}
			if y.hi < x.hi {
				next = append(next, portRange{y.hi + 1, x.hi})
			}
		}
		out = next
	}
	return out
}

// covers reports whether every port of b is in a.
func (a portSet) covers(b portSet) bool { return len(b.minus(a)) == 0 }

func (a portSet) String() string {
	if len(a) == 0 {
		return "none"
	}
	var parts []string
	for _, r := range a {
		if r.lo == r.hi {
			parts = append(parts, strconv.Itoa(r.lo))
		} else {
			parts = append(parts, fmt.Sprintf("%d-%d", r.lo, r.hi))
		}
	}
	return strings.Join(parts, ",")
}

// nonPublic are the ranges that are not internet addresses: RFC 1918, shared address space,
// loopback and link-local.
var nonPublic = []netip.Prefix{
	netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("172.16.0.0/12"),
	netip.MustParsePrefix("192.168.0.0/16"), netip.MustParsePrefix("100.64.0.0/10"),
	netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("169.254.0.0/16"),
}

// within reports whether inner lies entirely inside outer.
func within(inner, outer netip.Prefix) bool {
	return outer.Bits() <= inner.Bits() && outer.Contains(inner.Addr())
}

// touchesInternet reports whether a range holds any public address.
func touchesInternet(p netip.Prefix) bool {
	for _, np := range nonPublic {
		if within(p, np) {
			return false
		}
	}
	return true
}

func parsePrefix(s string) (netip.Prefix, bool) {
	p, err := netip.ParsePrefix(strings.TrimSpace(s))
	if err != nil {
		return netip.Prefix{}, false
	}
	return p.Masked(), true
}
