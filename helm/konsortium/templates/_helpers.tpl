{{/*
Names. The prefix is cut to 40 characters so that "<prefix>-control-plane" and the like stay
valid DNS labels (63) with room for the StatefulSet's pod and revision suffixes.
*/}}
{{- define "konsortium.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 40 | trimSuffix "-" -}}
{{- end -}}

{{- define "konsortium.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 40 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 40 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 40 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* "<fullname>-<component>"; call with (list $ "component"). */}}
{{- define "konsortium.componentName" -}}
{{- printf "%s-%s" (include "konsortium.fullname" (index . 0)) (index . 1) -}}
{{- end -}}

{{- define "konsortium.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Selector labels: never change them, Deployments' selectors are immutable. (list $ "component") */}}
{{- define "konsortium.selectorLabels" -}}
{{- $ := index . 0 -}}
app.kubernetes.io/name: {{ include "konsortium.name" $ }}
app.kubernetes.io/instance: {{ $.Release.Name }}
app.kubernetes.io/component: {{ index . 1 }}
{{- end -}}

{{/* Standard labels of every object. (list $ "component") */}}
{{- define "konsortium.labels" -}}
{{- $ := index . 0 -}}
helm.sh/chart: {{ include "konsortium.chart" $ }}
{{ include "konsortium.selectorLabels" . }}
app.kubernetes.io/version: {{ $.Chart.AppVersion | quote }}
app.kubernetes.io/part-of: konsortium
app.kubernetes.io/managed-by: {{ $.Release.Service }}
{{- end -}}

{{/* "registry/repository:tag"; (list $ .Values.x.image). An empty registry means image.registry, an empty tag the appVersion. */}}
{{- define "konsortium.image" -}}
{{- $ := index . 0 -}}
{{- $img := index . 1 -}}
{{- $registry := default $.Values.image.registry $img.registry -}}
{{- $tag := default $.Chart.AppVersion $img.tag -}}
{{- if $registry -}}
{{- printf "%s/%s:%s" $registry $img.repository $tag -}}
{{- else -}}
{{- printf "%s:%s" $img.repository $tag -}}
{{- end -}}
{{- end -}}

{{/* Pod-level settings shared by every pod: pull secrets and the pod security context. (list $ securityContextValues) */}}
{{- define "konsortium.podSecurity" -}}
{{- $ := index . 0 -}}
{{- $sc := index . 1 -}}
{{- with $.Values.image.pullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
securityContext:
  runAsNonRoot: true
  runAsUser: {{ $sc.runAsUser }}
  runAsGroup: {{ $sc.runAsGroup }}
  fsGroup: {{ $sc.fsGroup }}
  seccompProfile:
    type: RuntimeDefault
{{- end -}}

{{/* Container security context: the restricted Pod Security Standard, plus a read-only root. */}}
{{- define "konsortium.containerSecurity" -}}
securityContext:
  allowPrivilegeEscalation: false
  readOnlyRootFilesystem: true
  runAsNonRoot: true
  capabilities:
    drop: [ALL]
{{- end -}}

{{/* nodeSelector, tolerations, affinity, priorityClassName of a component's values. */}}
{{- define "konsortium.scheduling" -}}
{{- with .priorityClassName }}
priorityClassName: {{ . }}
{{- end }}
{{- with .nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .affinity }}
affinity:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end -}}

{{/* Where DATABASE_URL comes from: a Secret name and key. */}}
{{- define "konsortium.databaseSecretName" -}}
{{- if .Values.postgresql.enabled -}}
{{- include "konsortium.componentName" (list . "postgresql") -}}
{{- else if .Values.externalDatabase.existingSecret -}}
{{- .Values.externalDatabase.existingSecret -}}
{{- else -}}
{{- include "konsortium.componentName" (list . "external-db") -}}
{{- end -}}
{{- end -}}

{{- define "konsortium.databaseSecretKey" -}}
{{- if and (not .Values.postgresql.enabled) .Values.externalDatabase.existingSecret -}}
{{- .Values.externalDatabase.existingSecretKey -}}
{{- else -}}
database-url
{{- end -}}
{{- end -}}

{{- define "konsortium.redisSecretName" -}}
{{- if .Values.redis.enabled -}}
{{- include "konsortium.componentName" (list . "redis") -}}
{{- else if .Values.externalRedis.existingSecret -}}
{{- .Values.externalRedis.existingSecret -}}
{{- else -}}
{{- include "konsortium.componentName" (list . "external-redis") -}}
{{- end -}}
{{- end -}}

{{- define "konsortium.redisSecretKey" -}}
{{- if and (not .Values.redis.enabled) .Values.externalRedis.existingSecret -}}
{{- .Values.externalRedis.existingSecretKey -}}
{{- else -}}
redis-url
{{- end -}}
{{- end -}}

{{/*
A generated secret value that survives upgrades: the explicit value if given, else what the
Secret already holds (lookup; empty under `helm template`), else fresh random text.
(dict "ctx" $ "secret" name "key" key "value" explicit)
*/}}
{{- define "konsortium.persistentSecret" -}}
{{- $existing := lookup "v1" "Secret" .ctx.Release.Namespace .secret -}}
{{- if .value -}}
{{- .value -}}
{{- else if and $existing $existing.data (hasKey $existing.data .key) -}}
{{- index $existing.data .key | b64dec -}}
{{- else -}}
{{- randAlphaNum 32 -}}
{{- end -}}
{{- end -}}

{{- define "konsortium.publicUrl" -}}
{{- if .Values.controlPlane.publicUrl -}}
{{- .Values.controlPlane.publicUrl -}}
{{- else -}}
{{- printf "http://%s.%s.svc:%d" (include "konsortium.componentName" (list . "control-plane")) .Release.Namespace (int .Values.controlPlane.service.port) -}}
{{- end -}}
{{- end -}}

{{/* The environment of the API and the workers. */}}
{{- define "konsortium.controlPlaneEnv" -}}
- name: NODE_ENV
  value: production
- name: HOME
  value: /tmp
- name: LOG_LEVEL
  value: {{ .Values.controlPlane.logLevel | quote }}
- name: DATABASE_URL
  valueFrom:
    secretKeyRef:
      name: {{ include "konsortium.databaseSecretName" . }}
      key: {{ include "konsortium.databaseSecretKey" . }}
- name: REDIS_URL
  valueFrom:
    secretKeyRef:
      name: {{ include "konsortium.redisSecretName" . }}
      key: {{ include "konsortium.redisSecretKey" . }}
- name: KONSORTIUM_RUNTIME
  value: kubernetes
- name: KONSORTIUM_NAMESPACE
  value: {{ .Release.Namespace | quote }}
- name: KONSORTIUM_PORT
  value: "8700"
- name: KONSORTIUM_DATA_DIR
  value: /var/lib/konsortium
- name: KONSORTIUM_MASTER_KEY_FILE
  value: /etc/konsortium/master/master.key
- name: KONSORTIUM_PUBLIC_URL
  value: {{ include "konsortium.publicUrl" . | quote }}
# The image of the LedgerNodes the control plane creates: the operator's default too.
- name: KONSORTIUM_NODE_IMAGE
  value: {{ include "konsortium.image" (list . .Values.operator.nodeImage) | quote }}
{{- with .Values.controlPlane.extraEnv }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{/*
The master key reaches the API and the workers through an init container that copies it from
the Secret into a memory-backed emptyDir with mode 0600. Mounting the Secret directly cannot
work: the control plane refuses a key file readable by group or others, and a Secret volume is
either root-owned (unreadable for uid 10001) or, with fsGroup, forced group-readable.
*/}}
{{- define "konsortium.masterKeyInitContainer" -}}
- name: master-key
  image: {{ include "konsortium.image" (list . .Values.controlPlane.image) }}
  imagePullPolicy: {{ .Values.image.pullPolicy }}
  command: [install, -m, "0600", /run/konsortium/master-key-secret/master.key, /etc/konsortium/master/master.key]
  {{- include "konsortium.containerSecurity" . | nindent 2 }}
  resources:
    requests: {cpu: 10m, memory: 16Mi}
    limits: {memory: 32Mi}
  volumeMounts:
    - name: master-key-secret
      mountPath: /run/konsortium/master-key-secret
      readOnly: true
    - name: master-key
      mountPath: /etc/konsortium/master
{{- end -}}

{{- define "konsortium.controlPlaneMounts" -}}
- name: tmp
  mountPath: /tmp
- name: data
  mountPath: /var/lib/konsortium
- name: master-key
  mountPath: /etc/konsortium/master
  readOnly: true
{{- end -}}

{{- define "konsortium.controlPlaneVolumes" -}}
- name: tmp
  emptyDir:
    sizeLimit: 256Mi
- name: data
{{- if .Values.controlPlane.persistence.enabled }}
  persistentVolumeClaim:
    claimName: {{ .Values.controlPlane.persistence.existingClaim | default (include "konsortium.componentName" (list . "data")) }}
{{- else }}
  emptyDir:
    sizeLimit: 1Gi
{{- end }}
- name: master-key
  emptyDir:
    medium: Memory
    sizeLimit: 1Mi
- name: master-key-secret
  secret:
    secretName: {{ .Values.controlPlane.masterKey.existingSecret | default (include "konsortium.componentName" (list . "master-key")) }}
    defaultMode: 0440
    items:
      - key: {{ if .Values.controlPlane.masterKey.existingSecret }}{{ .Values.controlPlane.masterKey.existingSecretKey }}{{ else }}master.key{{ end }}
        path: master.key
{{- end -}}

{{/* A one-line Node.js check that REDIS_URL accepts TCP connections (exit 0) within 3 s. */}}
{{- define "konsortium.redisProbe" -}}
const u = new URL(process.env.REDIS_URL); const s = require('node:net').connect(Number(u.port || 6379), u.hostname.replace(/^\[|\]$/g, ''), () => process.exit(0)); s.on('error', () => process.exit(1)); setTimeout(() => process.exit(1), 3000);
{{- end -}}

{{/* Fails the render with a clear message when no database or Redis is configured. */}}
{{- define "konsortium.validate" -}}
{{- if and (not .Values.postgresql.enabled) (not .Values.externalDatabase.url) (not .Values.externalDatabase.existingSecret) -}}
{{- fail "postgresql.enabled is false: set externalDatabase.url or externalDatabase.existingSecret" -}}
{{- end -}}
{{- if and (not .Values.redis.enabled) (not .Values.externalRedis.url) (not .Values.externalRedis.existingSecret) -}}
{{- fail "redis.enabled is false: set externalRedis.url or externalRedis.existingSecret" -}}
{{- end -}}
{{- end -}}
