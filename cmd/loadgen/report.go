package main

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
	"time"
)

// summary describes a set of latencies.
type summary struct {
	N    int
	Mean time.Duration
	P50  time.Duration
	P90  time.Duration
	P99  time.Duration
	Max  time.Duration
}

// summarize sorts d in place and returns its nearest-rank percentiles.
func summarize(d []time.Duration) summary {
	if len(d) == 0 {
		return summary{}
	}
	slices.Sort(d)
	var sum time.Duration
	for _, x := range d {
		sum += x
	}
	rank := func(p float64) time.Duration {
		i := int(math.Ceil(p*float64(len(d)))) - 1
		return d[max(0, min(i, len(d)-1))]
	}
	return summary{N: len(d), Mean: sum / time.Duration(len(d)), P50: rank(0.50), P90: rank(0.90), P99: rank(0.99), Max: d[len(d)-1]}
}

// metric is one line of a result: a name, a value and, for the table, a unit.
type metric struct {
	Key   string
	Value any
	Unit  string
}

// result is what one benchmark run measured.
type result struct {
	Bench   string
	Metrics []metric
	// Goals are pass/fail lines for the table, such as "p99 <= 25ms".
	Goals []goal
}

type goal struct {
	What string
	Met  bool
}

func (r *result) add(key string, value any, unit string) {
	r.Metrics = append(r.Metrics, metric{key, value, unit})
}

func (r *result) addLatency(prefix string, s summary) {
	for _, m := range []struct {
		k string
		d time.Duration
	}{{"p50", s.P50}, {"p90", s.P90}, {"p99", s.P99}, {"max", s.Max}, {"mean", s.Mean}} {
		r.add(prefix+m.k+"_ms", ms(m.d), "ms")
	}
}

func (r *result) check(what string, met bool) { r.Goals = append(r.Goals, goal{what, met}) }

// get returns a metric's value, or nil.
func (r *result) get(key string) any {
	for _, m := range r.Metrics {
		if m.Key == key {
			return m.Value
		}
	}
	return nil
}

func ms(d time.Duration) float64 { return math.Round(float64(d)/float64(time.Millisecond)*1000) / 1000 }

func round(f float64, digits int) float64 {
	p := math.Pow(10, float64(digits))
	return math.Round(f*p) / p
}

// print writes the table and then the JSON line "RESULT {...}".
func (r *result) print(w io.Writer) {
	fmt.Fprintf(w, "\n== %s ==\n", r.Bench)
	width := 0
	for _, m := range r.Metrics {
		width = max(width, len(m.Key))
	}
	for _, m := range r.Metrics {
		fmt.Fprintf(w, "  %-*s  %v %s\n", width, m.Key, m.Value, m.Unit)
	}
	for _, g := range r.Goals {
		mark := "PASS"
		if !g.Met {
			mark = "FAIL"
		}
		fmt.Fprintf(w, "  goal %-40s %s\n", g.What, mark)
	}
	var b strings.Builder
	b.WriteString(`{"bench":`)
	j, _ := json.Marshal(r.Bench)
	b.Write(j)
	for _, m := range r.Metrics {
		k, _ := json.Marshal(m.Key)
		v, err := json.Marshal(m.Value)
		if err != nil {
			v, _ = json.Marshal(fmt.Sprint(m.Value))
		}
		b.WriteByte(',')
		b.Write(k)
		b.WriteByte(':')
		b.Write(v)
	}
	if len(r.Goals) > 0 {
		met := true
		for _, g := range r.Goals {
			met = met && g.Met
		}
		fmt.Fprintf(&b, `,"goals_met":%t`, met)
	}
	b.WriteByte('}')
	fmt.Fprintf(w, "RESULT %s\n", b.String())
}
