package main

import (
	"reflect"
	"testing"

	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/structpb"
)

func encoded(t *testing.T, message proto.Message) []byte {
	t.Helper()
	data, err := proto.Marshal(message)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func TestHostFlagsFollowTheProjectsRuntimeOptions(t *testing.T) {
	options, err := structpb.NewStruct(map[string]any{
		"typescript":     false,
		"nodeargs":       "--require ./scripts/register-typescript.js",
		"packagemanager": "npm",
	})
	if err != nil {
		t.Fatal(err)
	}
	run := &pulumirpc.RunRequest{Info: &pulumirpc.ProgramInfo{Options: options}}
	flags, err := hostFlags("/pulumirpc.LanguageRuntime/Run", encoded(t, run))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"-nodeargs=--require ./scripts/register-typescript.js", "-typescript=false"}
	if !reflect.DeepEqual(flags, want) {
		t.Fatalf("flags = %q, want %q", flags, want)
	}
}

func TestHostFlagsAreTheHostsDefaultsWithoutAProgram(t *testing.T) {
	for _, call := range []struct {
		method string
		data   []byte
	}{
		{"/pulumirpc.LanguageRuntime/GetPluginInfo", nil},
		{"/pulumirpc.LanguageRuntime/Run", encoded(t, &pulumirpc.RunRequest{Program: "index.ts"})},
		{"/pulumirpc.LanguageRuntime/NotYetInvented", []byte{0x0a, 0x01, 0x41}},
	} {
		flags, err := hostFlags(call.method, call.data)
		if err != nil || flags != nil {
			t.Fatalf("%s: flags = %q, err = %v; want none", call.method, flags, err)
		}
	}
}

func TestHostFlagsRejectAnOptionOfTheWrongType(t *testing.T) {
	for option, value := range map[string]any{"typescript": "false", "nodeargs": true, "tsconfig": 1.0} {
		_, err := flagsForOptions(map[string]any{option: value})
		if err == nil {
			t.Fatalf("%s=%v: no error", option, value)
		}
	}
	_, err := flagsForOptions(map[string]any{"typescript": "false"})
	if err == nil || err.Error() != "typescript option must be a boolean, not string" {
		t.Fatalf("err = %v", err)
	}
}
