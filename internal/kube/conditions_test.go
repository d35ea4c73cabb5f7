package kube

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestConditionsWaitsInOrderAndNamesThePartThatNeverHeld(t *testing.T) {
	var order []string
	part := func(what string, holds bool) Condition {
		return Condition{What: what, Holds: func(context.Context) (bool, error) {
			order = append(order, what)
			if !holds {
				return false, errors.New("still 0/1 available")
			}
			return true, nil
		}}
	}
	c := Conditions{Owner: "demo install", Timeout: 50 * time.Millisecond, Every: 10 * time.Millisecond}
	if err := c.Wait(context.Background(), part("first", true), part("second", true)); err != nil {
		t.Fatalf("every part holds: %v", err)
	}
	if strings.Join(order, ",") != "first,second" {
		t.Fatalf("order %v, want first,second", order)
	}
	err := c.Wait(context.Background(), part("first", true), part("the webhook patched", false), part("never reached", true))
	if err == nil {
		t.Fatal("a part that never holds: no error")
	}
	for _, want := range []string{"demo install", "the webhook patched", "still 0/1 available"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not name %q", err, want)
		}
	}
	if strings.Contains(strings.Join(order, ","), "never reached") {
		t.Errorf("a part after the one that never held was polled: %v", order)
	}
}
