package main

import (
	"fmt"
	"sort"
	"strings"

	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
)

// The v3.68 host reads a project's runtime options (Pulumi.yaml `runtime.options`) only as
// command-line flags, which older CLIs passed when they started it. Current CLIs start
// the language host with the engine address alone and send the options with every call that
// concerns a program, in its ProgramInfo (sdk/go/common/resource/plugin/langruntime_plugin.go,
// buildArgsForNewPlugin; proto/language.proto, ProgramInfo.options). Newer hosts read them
// there. So the front reads them there too and starts the v3.68 host with the matching flags:
// without this, `typescript: false` and `nodeargs` in Pulumi.yaml would be silently ignored.
//
// The options the v3.68 host has flags for, with the types the current host's parseOptions
// accepts (https://www.pulumi.com/docs/iac/concepts/projects/project-file/#runtime-options):
//   typescript (bool): load ts-node in the program process (the host's default: true);
//   nodeargs (string): arguments for node, split like a shell would;
//   tsconfig (string): the tsconfig.json ts-node uses.
// Other options (packagemanager, production) concern installing dependencies, which this
// front's callers do with npm themselves; the v3.68 host has no flag for them.

// programInfoRequest is every request that names a program (Run, GetRequiredPackages, About, ...).
type programInfoRequest interface {
	GetInfo() *pulumirpc.ProgramInfo
}

// hostFlags returns the v3.68 host's flags for the runtime options in a call's first request
// message, or none when the call names no program (the host's defaults then apply).
func hostFlags(method string, firstMessage []byte) ([]string, error) {
	request, err := decodeRequest(method, firstMessage)
	if err != nil || request == nil {
		return nil, err
	}
	withInfo, ok := request.(programInfoRequest)
	if !ok || withInfo.GetInfo() == nil {
		return nil, nil
	}
	return flagsForOptions(withInfo.GetInfo().GetOptions().AsMap())
}

// flagsForOptions maps runtime options to the v3.68 host's flags, in a stable order.
func flagsForOptions(options map[string]any) ([]string, error) {
	var flags []string
	if value, present := options["typescript"]; present {
		typescript, ok := value.(bool)
		if !ok {
			return nil, fmt.Errorf("typescript option must be a boolean, not %T", value)
		}
		flags = append(flags, fmt.Sprintf("-typescript=%t", typescript))
	}
	for _, name := range []string{"nodeargs", "tsconfig"} {
		if value, present := options[name]; present {
			text, ok := value.(string)
			if !ok {
				return nil, fmt.Errorf("%s option must be a string, not %T", name, value)
			}
			flags = append(flags, fmt.Sprintf("-%s=%s", name, text))
		}
	}
	sort.Strings(flags)
	return flags, nil
}

// decodeRequest decodes a LanguageRuntime call's request message by the method's declared
// input type ("/pulumirpc.LanguageRuntime/Run" -> pulumirpc.RunRequest); nil for a method this
// build of the protocol does not know (it is forwarded as it is).
func decodeRequest(method string, data []byte) (proto.Message, error) {
	service, name, found := strings.Cut(strings.TrimPrefix(method, "/"), "/")
	if !found {
		return nil, nil
	}
	descriptor, err := protoregistry.GlobalFiles.FindDescriptorByName(protoreflect.FullName(service))
	if err != nil {
		return nil, nil
	}
	serviceDescriptor, ok := descriptor.(protoreflect.ServiceDescriptor)
	if !ok {
		return nil, nil
	}
	methodDescriptor := serviceDescriptor.Methods().ByName(protoreflect.Name(name))
	if methodDescriptor == nil {
		return nil, nil
	}
	messageType, err := protoregistry.GlobalTypes.FindMessageByName(methodDescriptor.Input().FullName())
	if err != nil {
		return nil, nil
	}
	message := messageType.New().Interface()
	if err := proto.Unmarshal(data, message); err != nil {
		return nil, fmt.Errorf("decoding %s: %w", method, err)
	}
	return message, nil
}
