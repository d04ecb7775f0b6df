package extract

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestCities(t *testing.T) {
	t.Parallel()
	b := setup(t)
	tests := map[string]string{
		"я в Казани":           "Казань",
		"Kazan":                "Казань",
		"из Москвы":            "Москва",
		"доставка по Москве":   "Москва",
		"zavtra v 15 v Moskve": "Москва",
		"Moskva":               "Москва",
		"в Санкт-Петербурге":   "Санкт-Петербург",
		"в Питере":             "Санкт-Петербург",
		"офис в СПб":           "Санкт-Петербург",
		"живу в Новосибирске":  "Новосибирск",
		"Екатеринбург":         "Екатеринбург",
		"в Нижнем Новгороде":   "Нижний Новгород",
		"Самара":               "Самара",
		"из Краснодара":        "Краснодар",
		"в Києві":              "Київ",
		"в Киеве":              "Київ",
		"Kyiv":                 "Київ",
		"в Харькове":           "Харків",
		"Одесса":               "Одеса",
		"во Львове":            "Львів",
		"в Минске":             "Минск",
		"Алматы":               "Алматы",
		"в Астане":             "Астана",
		"в Ростове-на-Дону":    "Ростов-на-Дону",
		"I live in New York":   "New York",
		"flying to LA":         "Los Angeles",
		"la casa":              "",
		"São Paulo":            "São Paulo",
		"em Sao Paulo":         "São Paulo",
		"en Ciudad de México":  "Ciudad de México",
		"İstanbul'da":          "İstanbul",
		"istanbul":             "İstanbul",
		"München":              "München",
		"Muenchen":             "München",
		"في دبي":               "دبي",
		"Dubai":                "دبي",
		"в Дубае":              "دبي",
		"nice weather":         "",
		"нижний этаж":          "",
		"Moskvich":             "",
		"ул. Ленина":           "",
	}
	for in, want := range tests {
		require.Equal(t, want, Extract(in, b.opts).City, in)
	}
}

func TestCitiesFromOptions(t *testing.T) {
	t.Parallel()
	b := setup(t)
	o := b.opts
	o.Cities = []string{"Киев", "Зеленоград", "Springfield"}
	require.Equal(t, "Киев", Extract("в Києві", o).City, "a built-in city takes the organisation's spelling")
	require.Equal(t, "Киев", Extract("Kyiv", o).City)
	require.Equal(t, "Зеленоград", Extract("из Зеленограда", o).City)
	require.Equal(t, "Springfield", Extract("springfield office", o).City)
	require.Equal(t, "Москва", Extract("в Москве", o).City)
}

func TestCityForms(t *testing.T) {
	t.Parallel()
	require.Subset(t, cityForms("Москва"), []string{"москва", "москвы", "москве", "москву", "москвой"})
	require.Subset(t, cityForms("Казань"), []string{"казань", "казани"})
	require.Subset(t, cityForms("Новосибирск"), []string{"новосибирске", "новосибирска"})
	require.Equal(t, []string{"сочи"}, cityForms("Сочи"))
	require.Equal(t, []string{"new york"}, cityForms("New York"))
}
