{{- /*
The text of a file of config/ (through the chart's `files` link), with the operator's namespace of
those manifests replaced by the release's: one set of manifests for kustomize and Helm alike.
*/ -}}
{{- define "mvo.config" -}}
{{ .root.Files.Get (printf "files/%s" .path) | replace "model-validation-operator-system" .root.Release.Namespace }}
{{- end -}}

{{- /* The document of a multi-document file of config/ whose kind is .kind, parsed. */ -}}
{{- define "mvo.configDocument" -}}
{{- $found := dict -}}
{{- range (include "mvo.config" . | splitList "\n---\n") -}}
{{- $doc := fromYaml . -}}
{{- if eq (get $doc "kind") $.kind -}}
{{- $found = $doc -}}
{{- end -}}
{{- end -}}
{{- toYaml $found -}}
{{- end -}}
