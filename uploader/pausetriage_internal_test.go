package uploader

import "testing"

func TestPartsToKeep(t *testing.T) {
	for _, c := range []struct {
		remaining []int64
		budget    float64
		want      int
	}{
		{nil, 100, 0},
		{[]int64{10, 20, 30}, 100, 3},
		{[]int64{10, 20, 30}, 30, 2},
		{[]int64{10, 20, 30}, 29, 1},
		{[]int64{10, 20, 30}, 5, 0},
		{[]int64{0, 0, 50}, 10, 2}, // parts already read in full always stay
	} {
		if got := partsToKeep(c.remaining, c.budget); got != c.want {
			t.Errorf("partsToKeep(%v, %v) = %d, want %d", c.remaining, c.budget, got, c.want)
		}
	}
}
