package classify

import (
	"math"
)

// linearModel is a multinomial logistic regression (softmax) over hashed
// sparse features. Only buckets that occur in the training data carry
// weights: they are numbered densely and found through a small open
// addressing table, so the model takes a few megabytes instead of
// buckets*classes floats and scoring stays in cache. Buckets never seen in
// training would have zero weight anyway.
type linearModel struct {
	mask    uint32   // buckets-1, buckets a power of two
	classes int      // number of classes
	keys    []uint32 // open addressing table: bucket+1, 0 = empty
	ids     []int32  // dense row of keys[i]
	w       []float32
}

// sample is one training example: its hashed features and class.
type sample struct {
	feats []uint32
	class int
}

// trainConfig holds the hyper-parameters of SGD training.
type trainConfig struct {
	bucketsLog2 uint
	epochs      int
	lr          float64 // initial learning rate, decays linearly to lr/10
	l2          float64 // L2 regularisation strength
	seed        uint64
}

// train fits the model with plain stochastic gradient descent on the
// cross-entropy loss, visiting samples in a seeded, deterministic order.
// L2 regularisation uses the scaled-weights trick (w = scale * v) so each
// step costs only the features of the sample.
func train(samples []sample, classes int, cfg trainConfig) *linearModel {
	m := &linearModel{mask: 1<<cfg.bucketsLog2 - 1, classes: classes}

	// Number the buckets in order of first appearance.
	dense := map[uint32]int32{}
	var buckets []uint32
	rows := make([][]int32, len(samples))
	for i, s := range samples {
		r := make([]int32, len(s.feats))
		for k, f := range s.feats {
			b := f & m.mask
			id, ok := dense[b]
			if !ok {
				id = int32(len(buckets))
				dense[b] = id
				buckets = append(buckets, b)
			}
			r[k] = id
		}
		rows[i] = r
	}
	m.buildIndex(buckets)
	m.w = make([]float32, len(buckets)*classes)

	order := make([]int, len(samples))
	for i := range order {
		order[i] = i
	}
	rng := splitmix{state: cfg.seed}
	scale := 1.0
	probs := make([]float64, classes)
	acc := make([]float32, classes)
	steps := cfg.epochs * len(samples)
	step := 0
	for epoch := 0; epoch < cfg.epochs; epoch++ {
		// Fisher-Yates with our own generator: stable across Go releases.
		for i := len(order) - 1; i > 0; i-- {
			j := int(rng.next() % uint64(i+1))
			order[i], order[j] = order[j], order[i]
		}
		for _, idx := range order {
			feats, class := rows[idx], samples[idx].class
			lr := cfg.lr * (1 - 0.9*float64(step)/float64(steps))
			step++
			if len(feats) == 0 {
				continue
			}
			val := 1 / math.Sqrt(float64(len(feats)))
			for c := range acc {
				acc[c] = 0
			}
			for _, id := range feats {
				row := m.w[int(id)*classes : int(id)*classes+classes]
				for c, v := range row {
					acc[c] += v
				}
			}
			for c := range probs {
				probs[c] = float64(acc[c]) * val * scale
			}
			softmax(probs)
			scale *= 1 - lr*cfg.l2
			g := lr * val / scale
			for c := range probs {
				grad := probs[c]
				if c == class {
					grad--
				}
				acc[c] = float32(grad * g)
			}
			for _, id := range feats {
				row := m.w[int(id)*classes : int(id)*classes+classes]
				for c := range row {
					row[c] -= acc[c]
				}
			}
			if scale < 1e-3 {
				m.rescale(scale)
				scale = 1
			}
		}
	}
	m.rescale(scale)
	return m
}

func (m *linearModel) rescale(scale float64) {
	for i := range m.w {
		m.w[i] = float32(float64(m.w[i]) * scale)
	}
}

// buildIndex fills the open addressing table for buckets (row i = buckets[i]).
func (m *linearModel) buildIndex(buckets []uint32) {
	size := 1
	for size < 2*len(buckets)+1 {
		size <<= 1
	}
	m.keys = make([]uint32, size)
	m.ids = make([]int32, size)
	for id, b := range buckets {
		slot := m.slot(b)
		for m.keys[slot] != 0 {
			slot = (slot + 1) & (len(m.keys) - 1)
		}
		m.keys[slot] = b + 1
		m.ids[slot] = int32(id)
	}
}

func (m *linearModel) slot(b uint32) int {
	return int((b*0x9E3779B1)>>7) & (len(m.keys) - 1)
}

// row returns the weights of the bucket of feature f, or nil.
func (m *linearModel) row(f uint32) []float32 {
	b := f & m.mask
	for slot := m.slot(b); ; slot = (slot + 1) & (len(m.keys) - 1) {
		switch m.keys[slot] {
		case 0:
			return nil
		case b + 1:
			id := int(m.ids[slot])
			return m.w[id*m.classes : id*m.classes+m.classes]
		}
	}
}

// probabilities writes the class probabilities for feats into out (len classes).
func (m *linearModel) probabilities(feats []uint32, out []float64) {
	for c := range out {
		out[c] = 0
	}
	if len(feats) == 0 {
		softmax(out)
		return
	}
	for _, f := range feats {
		for c, v := range m.row(f) {
			out[c] += float64(v)
		}
	}
	val := 1 / math.Sqrt(float64(len(feats)))
	for c := range out {
		out[c] *= val
	}
	softmax(out)
}

// softmax turns scores into probabilities in place.
func softmax(x []float64) {
	max := math.Inf(-1)
	for _, v := range x {
		if v > max {
			max = v
		}
	}
	sum := 0.0
	for i, v := range x {
		e := math.Exp(v - max)
		x[i] = e
		sum += e
	}
	for i := range x {
		x[i] /= sum
	}
}

// splitmix is SplitMix64, a tiny deterministic generator for shuffling.
type splitmix struct{ state uint64 }

func (s *splitmix) next() uint64 {
	s.state += 0x9e3779b97f4a7c15
	z := s.state
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}
