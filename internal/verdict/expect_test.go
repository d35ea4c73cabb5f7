package verdict

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/drainproof/drainproof/internal/ledger"
	yaml3 "go.yaml.in/yaml/v3"
	"sigs.k8s.io/yaml"
)

const expectYAML = `
maxDrops: 0
maxStalls: 2
minSuccessRatio: 0.99
window: 1s
minOutboundSuccess: 0.95
outboundContainer: caller
maxLinger: 5s
maxDrainTime: 1m30s
expectFailure:
  failChecks: [drops]
  attribution: required
  podPrefix: gw-
`

func TestExpectDecodesFromYAML(t *testing.T) {
	check := func(name string, e Expect) {
		t.Helper()
		if *e.MaxDrops != 0 || *e.MaxStalls != 2 || e.MaxDialFailures != nil || *e.MinSuccessRatio != 0.99 ||
			e.Window.Duration != time.Second || e.OutboundContainer != "caller" || e.MaxLinger.Duration != 5*time.Second ||
			e.MaxDrainTime.Duration != 90*time.Second || e.ExpectFailure.PodPrefix != "gw-" {
			t.Errorf("%s decoded %+v", name, e)
		}
		if err := e.Validate(); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	var a Expect
	if err := yaml.UnmarshalStrict([]byte(expectYAML), &a); err != nil {
		t.Fatal(err)
	}
	check("sigs.k8s.io/yaml", a)
	var b Expect
	if err := yaml3.Unmarshal([]byte(expectYAML), &b); err != nil {
		t.Fatal(err)
	}
	check("yaml.v3", b)
	// And back: durations are written as strings.
	out, err := json.Marshal(a)
	if err != nil || !strings.Contains(string(out), `"maxDrainTime":"1m30s"`) {
		t.Errorf("marshal: %s %v", out, err)
	}
}

func TestExpectRejectsBadDurations(t *testing.T) {
	var e Expect
	err := yaml.UnmarshalStrict([]byte("maxLinger: 5\n"), &e)
	if err == nil || !strings.Contains(err.Error(), "duration") {
		t.Errorf("numeric duration: %v", err)
	}
	err = yaml.UnmarshalStrict([]byte("window: soon\n"), &e)
	if err == nil || !strings.Contains(err.Error(), `"soon"`) {
		t.Errorf("bad duration: %v", err)
	}
}

func TestValidateNamesTheField(t *testing.T) {
	cases := map[string]Expect{
		"maxDrops":                    {MaxDrops: intp(-1)},
		"minSuccessRatio":             {MinSuccessRatio: floatp(1.5)},
		"minOutboundSuccess":          {MinOutboundSuccess: floatp(-0.1)},
		"maxLinger":                   {MaxLinger: DP(-time.Second)},
		"window":                      {Window: DP(time.Second)},
		"outboundContainer":           {OutboundContainer: "caller"},
		"expectFailure.failChecks[0]": {ExpectFailure: &NegativeControl{FailChecks: []string{"dorps"}}},
		"expectFailure.attribution":   {ExpectFailure: &NegativeControl{Attribution: "maybe"}},
		"expectFailure.podPrefix":     {ExpectFailure: &NegativeControl{PodPrefix: "gw-"}},
	}
	for field, e := range cases {
		err := e.Validate()
		if err == nil || !strings.HasPrefix(err.Error(), field+":") {
			t.Errorf("%s: got %v", field, err)
		}
	}
	if err := (Expect{}).Validate(); err != nil {
		t.Errorf("empty expect: %v", err)
	}
}

func TestTimeline(t *testing.T) {
	b := rollout(true)
	tl := NewTimeline(b.evs)
	if tl.Origin != ms(0) || tl.Format(ms(1234)) != "+1.234s" || tl.Format(ms(-5000)) != "-5.000s" {
		t.Errorf("origin %v, +1234ms as %s, -5000ms as %s", tl.Origin, tl.Format(ms(1234)), tl.Format(ms(-5000)))
	}
	// Without a disruption the first event is the origin, whatever the order.
	evs := []ledger.Event{{Time: ms(300), Kind: ledger.Note}, {Time: ms(100), Kind: ledger.Dial}}
	if tl := NewTimeline(evs); tl.Origin != ms(100) || tl.OriginKind != ledger.Dial {
		t.Errorf("fallback origin %+v", tl)
	}
	entries := NewTimeline(evs).Entries(evs)
	if entries[0].Rel != 0 || entries[1].Rel != 200*time.Millisecond {
		t.Errorf("entries %+v", entries)
	}
	if fmtDur(time.Duration(-1<<63)) == "" {
		t.Error("min duration")
	}
}
