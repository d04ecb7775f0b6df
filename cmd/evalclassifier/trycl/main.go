package main

import (
	"bufio"
	"fmt"
	"os"
	"time"

	"frontdesk/internal/classify"
)

func main() {
	t0 := time.Now()
	c, err := classify.New()
	if err != nil {
		panic(err)
	}
	fmt.Println("train", time.Since(t0))
	sc := bufio.NewScanner(os.Stdin)
	for sc.Scan() {
		fmt.Printf("%-50q %+v\n", sc.Text(), c.Classify(sc.Text()))
	}
}
