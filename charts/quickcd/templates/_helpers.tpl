{{/* Chart name. */}}
{{- define "quickcd.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Full name: release-chart, or the release name when it already contains the chart name. */}}
{{- define "quickcd.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "quickcd.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "quickcd.selectorLabels" -}}
app.kubernetes.io/name: {{ include "quickcd.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "quickcd.labels" -}}
helm.sh/chart: {{ include "quickcd.chart" . }}
{{ include "quickcd.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{/* The scheduler's ServiceAccount. */}}
{{- define "quickcd.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "quickcd.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/*
The handler Jobs' ServiceAccount (QUICKCD_RUNNER_SERVICE_ACCOUNT): by default <fullname>-runner,
so two releases in one namespace never share it.
*/}}
{{- define "quickcd.runnerServiceAccountName" -}}
{{- if .Values.runner.serviceAccount.create }}
{{- default (printf "%s-runner" (include "quickcd.fullname" .) | trunc 63 | trimSuffix "-") .Values.runner.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.runner.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* The runner Role and RoleBinding exist only with rules, bound to the ServiceAccount the chart creates. */}}
{{- define "quickcd.runnerRbac" -}}
{{- if and .Values.runner.rbac.rules (not .Values.runner.serviceAccount.create) }}
{{- fail "runner.rbac.rules: the chart binds these rules to the runner ServiceAccount it creates, but runner.serviceAccount.create is false; set it to true, or bind the rules to your ServiceAccount yourself and leave runner.rbac.rules empty" }}
{{- end }}
{{- if and .Values.runner.rbac.extraNamespaces (not .Values.runner.rbac.rules) }}
{{- fail "runner.rbac.extraNamespaces: grants runner.rbac.rules in other namespaces, but runner.rbac.rules is empty" }}
{{- end }}
{{- if .Values.runner.rbac.rules }}true{{ end }}
{{- end }}

{{/* The leader-election Lease (QUICKCD_LEASE_NAME): one per release, shared by its replicas. */}}
{{- define "quickcd.leaseName" -}}
{{- include "quickcd.fullname" . }}
{{- end }}

{{/* The scheduler image. */}}
{{- define "quickcd.image" -}}
{{- printf "%s:%s" .Values.image.repository (toString (default "base" .Values.image.tag)) }}
{{- end }}

{{/* The handler Jobs' image: repository (default image.repository) and tag (default the flavour). */}}
{{- define "quickcd.runnerImage" -}}
{{- $flavour := .Values.runner.image.flavour | default "base" }}
{{- if not (has $flavour (list "base" "kdep" "iks")) }}
{{- fail (printf "runner.image.flavour: expected base, kdep or iks, got %q" $flavour) }}
{{- end }}
{{- $repository := .Values.runner.image.repository | default .Values.image.repository }}
{{- printf "%s:%s" $repository (toString (default $flavour .Values.runner.image.tag)) }}
{{- end }}

{{/* The ConfigMap holding the handlers file, if any. */}}
{{- define "quickcd.handlersConfigMapName" -}}
{{- if .Values.handlers.content }}
{{- printf "%s-handlers" (include "quickcd.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- .Values.handlers.existingConfigMap }}
{{- end }}
{{- end }}

{{/* Where the scheduler finds the handlers file (QUICKCD_HANDLERS). */}}
{{- define "quickcd.handlersPath" -}}
{{- if or .Values.handlers.content .Values.handlers.existingConfigMap }}
{{- printf "/etc/quickcd/handlers/%s" .Values.handlers.fileName }}
{{- else if .Values.handlers.path }}
{{- .Values.handlers.path }}
{{- else }}
{{- fail "handlers: set handlers.content (the file), handlers.existingConfigMap or handlers.path" }}
{{- end }}
{{- end }}

{{/* The repositories, comma-separated (QUICKCD_REPO). */}}
{{- define "quickcd.repos" -}}
{{- if not .Values.repos }}
{{- fail "repos: list at least one repository to watch, owner/name (--set 'repos={acme/webapp}')" }}
{{- end }}
{{- join "," .Values.repos }}
{{- end }}
