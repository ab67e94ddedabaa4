package segment

import "math"

// Softmax and quantisation of the network output, one row of a tile at a
// time. The probabilities end up as bytes (1/255 steps), so float32 and a
// short polynomial for exp are plenty: the result differs from float64
// math.Exp by at most one step, and only where a value sits on a rounding
// boundary. The loops run over slices resliced to one length, so the
// compiler drops the bounds checks.

// expNeg returns e^x for x <= 0 to a relative error below 1e-5, and 0
// below -87 (where float32 underflows). It splits x = n ln2 + r with
// |r| <= ln2/2, takes e^r from its Taylor series to r^5 and scales by 2^n
// through the exponent bits.
func expNeg(x float32) float32 {
	const (
		log2e = 1.4426950408889634
		ln2   = 0.6931471805599453
	)
	if x < -87 {
		return 0
	}
	k := int32(x*log2e - 0.5) // rounds to nearest for x <= 0
	r := x - float32(k)*ln2
	p := 1 + r*(1+r*(1.0/2+r*(1.0/6+r*(1.0/24+r*(1.0/120)))))
	return p * math.Float32frombits(uint32(k+127)<<23)
}

// softmaxRow writes the softmax probabilities of classes 1 and 2, as
// bytes, for one row of logits l0, l1, l2 (background, solid, dashed) into
// p1 and p2. All slices have the length of l0.
func softmaxRow(l0, l1, l2 []float32, p1, p2 []uint8) {
	n := len(l0)
	l1, l2, p1, p2 = l1[:n], l2[:n], p1[:n], p2[:n]
	for i, a := range l0 {
		b, c := l1[i], l2[i]
		m := max(a, b, c)
		ea, eb, ec := expNeg(a-m), expNeg(b-m), expNeg(c-m)
		inv := 255 / (ea + eb + ec)
		p1[i] = uint8(eb*inv + 0.5)
		p2[i] = uint8(ec*inv + 0.5)
	}
}

// quantiseRow writes probabilities 0..1 of classes 1 and 2 as bytes,
// clamping values outside 0..1.
func quantiseRow(s1, s2 []float32, p1, p2 []uint8) {
	n := len(s1)
	s2, p1, p2 = s2[:n], p1[:n], p2[:n]
	for i, a := range s1 {
		p1[i] = quantise(a)
		p2[i] = quantise(s2[i])
	}
}

// quantise maps a probability 0..1 to 0..255, rounding to nearest.
func quantise(p float32) uint8 {
	switch {
	case p <= 0:
		return 0
	case p >= 1:
		return 255
	}
	return uint8(p*255 + 0.5)
}
