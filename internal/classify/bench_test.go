package classify

import (
	"runtime"
	"testing"
)

var benchMessages = []string{
	"Сколько стоит маникюр с покрытием?",
	"where is my order #A-10234? it was supposed to arrive yesterday",
	"skolko stoit",
	"можна перенести запис на п'ятницю?",
	"¿Puedo cambiar mi cita del viernes al lunes?",
	"Ich will mein Geld zurück, sonst gehe ich zum Anwalt!!!",
	"سيئة جدا، أريد التحدث مع المدير",
	"🤔",
	"Merhaba, siparişim nerede?",
	"прошу согласовать скидку 15% для клиента, объем 300к",
}

// BenchmarkClassify measures language detection, intent and rules for one
// message (the mix above). Run with -cpu=1 for the single-core figure.
func BenchmarkClassify(b *testing.B) {
	c := setup(b).c
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		c.Classify(benchMessages[i%len(benchMessages)])
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
}

// BenchmarkNew measures training both models from the embedded corpus and
// reports the model size and the heap a trained classifier keeps.
func BenchmarkNew(b *testing.B) {
	b.ReportAllocs()
	var c *Classifier
	for i := 0; i < b.N; i++ {
		var err error
		if c, err = build(); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	weights := 4*(len(c.intent.w)+len(c.lang.w)) + 8*(len(c.intent.keys)+len(c.lang.keys))
	b.ReportMetric(float64(weights)/(1<<20), "model-MB")
	runtime.GC()
	var before, after runtime.MemStats
	c = nil
	runtime.GC()
	runtime.ReadMemStats(&before)
	c, _ = build()
	runtime.GC()
	runtime.ReadMemStats(&after)
	b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/(1<<20), "heap-MB")
	runtime.KeepAlive(c)
}
