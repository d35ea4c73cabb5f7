package verdict

import "testing"

func TestOverallFailOutranksIncompleteAndNothingIsNoPass(t *testing.T) {
	for _, tc := range []struct {
		in   []Outcome
		want Outcome
	}{
		{nil, Incomplete},
		{[]Outcome{Pass, FailedAsExpected}, Pass},
		{[]Outcome{Pass, NotRun}, Incomplete},
		{[]Outcome{Incomplete, Pass}, Incomplete},
		{[]Outcome{Incomplete, ControlDidNotHold}, Fail},
		{[]Outcome{Pass, Fail, Incomplete}, Fail},
	} {
		if got := Overall(tc.in...); got != tc.want {
			t.Errorf("Overall(%v) = %s, want %s", tc.in, got, tc.want)
		}
	}
}
