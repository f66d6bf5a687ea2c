public import ConnectorKit

extension RestDefinition {
    /// The JSON Schema of a connector definition (`chat-export spec rest-definition`).
    public static var jsonSchema: JSONValue {
        // A literal: it reads as the format's reference; a test keeps its keys in step with the parser's.
        (try? JSONValue.parse(Array(schemaText.utf8))) ?? .null
    }

    static let schemaText = #"""
        {
          "$schema": "https://json-schema.org/draft/2020-12/schema",
          "title": "chat-export connector definition",
          "description": "A vendor's export API described in JSON, for a source {\"type\": \"rest\", \"definition\": \"<file or built-in name>\"}. Strings marked template may hold {option} placeholders ({{ and }} for literal braces).",
          "type": "object",
          "required": ["name", "options", "base_url", "auth", "range", "streams"],
          "additionalProperties": false,
          "properties": {
            "$schema": {"type": "string"},
            "name": {"type": "string", "pattern": "^[A-Za-z0-9._-]+$", "description": "Stored in checkpoints and identities."},
            "title": {"type": "string"},
            "summary": {"type": "string"},
            "documentation": {"type": "string"},
            "options": {
              "type": "array", "description": "What a job gives, validated like a native connector's options.",
              "items": {
                "type": "object", "required": ["name", "type"], "additionalProperties": false,
                "properties": {
                  "name": {"type": "string"},
                  "type": {"enum": ["string", "secret", "url", "integer", "number", "boolean", "timestamp", "duration", "enum", "streams"]},
                  "required": {"type": "boolean"},
                  "default": {},
                  "summary": {"type": "string"},
                  "min": {"type": "number"}, "max": {"type": "number"},
                  "values": {"type": "array", "items": {"type": "string"}}
                }
              }
            },
            "base_url": {"type": "string", "pattern": "^[{][^{}]+[}](/[A-Za-z0-9._~%!$&'()*+,;=:@/-]*)?$", "description": "{option} or {option}/path, the option of type url: the job's origin, where the credentials go; a definition never names a host."},
            "auth": {
              "type": "object", "required": ["type"], "additionalProperties": false,
              "properties": {
                "type": {"enum": ["none", "bearer", "header", "query", "basic"]},
                "option": {"type": "string", "description": "The secret option (bearer, header, query)."},
                "name": {"type": "string", "pattern": "^[!#$%&'*+.^_`|~0-9A-Za-z-]+$", "description": "The header (an RFC 9110 token, not one the runtime or a proxy controls: Host, Content-Length, Connection, Proxy-*, …) or query parameter name."},
                "user_option": {"type": "string"}, "password_option": {"type": "string"},
                "label": {"type": "string", "description": "What check calls the credential it verified (token, API key); default credentials."}
              }
            },
            "rate_limits": {
              "type": "object", "additionalProperties": false, "description": "The vendor's documented limits; the defaults of rate_limits.",
              "properties": {"per_endpoint_per_second": {"type": "number"}, "per_minute": {"type": "integer"}, "per_day": {"type": "integer"}}
            },
            "errors": {
              "type": "object", "additionalProperties": false,
              "properties": {
                "message": {"type": "array", "items": {"type": "array", "items": {"type": ["string", "integer"]}}, "description": "Where an error body's message is, tried in order."},
                "credentials": {"type": "array", "items": {"type": "integer"}, "description": "Statuses meaning rejected credentials (401 and 403 always do): exit 77."},
                "config": {"type": "object", "additionalProperties": {"type": "string"}, "description": "Status → message (template) meaning the job's config is wrong: exit 78."}
              }
            },
            "range": {
              "type": "object", "required": ["window_days"], "additionalProperties": false,
              "description": "Each value names an option.",
              "properties": {
                "start": {"type": "string"}, "end": {"type": "string"}, "lag": {"type": "string"},
                "window_days": {"type": "string"}, "window_hours": {"type": "string"},
                "max_concurrent_windows": {"type": "string"}, "lookback": {"type": "string"},
                "retention_days": {"type": "integer", "minimum": 1, "description": "Nothing older is requested; a start before it is clamped with a warning."},
                "retention_description": {"type": "string"}
              }
            },
            "bot": {"type": "string", "description": "Template naming the bot inside the instance; part of every checkpoint's identity."},
            "streams": {
              "type": "array", "minItems": 1,
              "items": {
                "type": "object", "additionalProperties": false,
                "required": ["name", "path", "records", "cursor", "bounds", "paging"],
                "properties": {
                  "name": {"type": "string"},
                  "summary": {"type": "string"},
                  "path": {"type": "string", "description": "Template, below the base URL."},
                  "query": {"type": "object", "additionalProperties": {"type": "string"}, "description": "Fixed parameters (templates)."},
                  "records": {"type": "array", "items": {"type": "string"}, "description": "Top-level keys that may hold the record array, in order."},
                  "id": {"type": ["string", "array"], "items": {"type": "string"}, "default": "_id", "description": "A key, or keys into nested objects ([\"meta\", \"id\"])."},
                  "cursor": {
                    "type": "object", "required": ["field"], "additionalProperties": false,
                    "properties": {
                      "field": {"type": ["string", "array"], "items": {"type": "string"}}, "column": {"type": "string"},
                      "format": {"enum": ["iso8601", "epoch_or_iso8601"], "description": "ISO-8601 (a value without a zone is UTC), or also epoch seconds or milliseconds told apart by magnitude."}
                    }
                  },
                  "cursor_tag": {"type": "string", "description": "Template stored with the checkpoint (a cursor mode): a change of it is refused."},
                  "parent": {"type": "object", "required": ["field"], "additionalProperties": false, "properties": {"field": {"type": ["string", "array"], "items": {"type": "string"}}, "column": {"type": "string"}}},
                  "bounds": {
                    "type": "object", "required": ["start", "end"], "additionalProperties": false,
                    "properties": {
                      "start": {"type": "string"}, "end": {"type": "string"},
                      "format": {"enum": ["iso8601", "epoch_seconds", "epoch_milliseconds"]},
                      "start_inclusive": {"type": "boolean", "default": true}, "end_inclusive": {"type": "boolean", "default": false}
                    }
                  },
                  "paging": {
                    "type": "object", "required": ["type"], "additionalProperties": false,
                    "properties": {
                      "type": {"enum": ["lower_bound", "next_link", "cursor", "offset", "page"]},
                      "next_link": {"type": "array", "items": {"type": "string"}},
                      "largest_page": {"type": "integer"},
                      "cursor": {"type": "array", "items": {"type": "string"}},
                      "parameter": {"type": "string"},
                      "restart_on": {"type": "array", "items": {"type": "integer"}},
                      "first": {"type": "integer", "enum": [0, 1]}
                    }
                  },
                  "page_size": {"type": "object", "required": ["parameter", "option"], "additionalProperties": false, "properties": {"parameter": {"type": "string"}, "option": {"type": "string"}}},
                  "lookback": {"type": "boolean"},
                  "fields": {
                    "type": "array",
                    "items": {
                      "type": "object", "required": ["name"], "additionalProperties": false,
                      "properties": {"name": {"type": "string"}, "path": {"type": "array", "items": {"type": "string"}}, "type": {"enum": ["text", "integer", "real", "boolean", "timestamp", "json"]}}
                    }
                  },
                  "canonical": {
                    "type": "object", "required": ["kind", "vendor", "columns"], "additionalProperties": false,
                    "properties": {"kind": {"enum": ["conversation", "message"]}, "vendor": {"type": "string"}, "columns": {"type": "object", "description": "Model column → {\"column\": name}, {\"path\": [[key, …], …]} (the first that holds a value), {\"constant\": text}, null, {\"contains\": [key, …], \"value\": text}, {\"scaled\": [key, …], \"min\": n, \"max\": n}, or for role {\"role\": [rule, …], \"otherwise\": role}: the first rule that matches gives the role; a rule is {\"path\": [key, …], \"role\": role} with exactly one of \"equals\": text, \"one_of\": [text, …] or \"none_of\": [text, …] (a present, non-null value that is none of them), lists of 1 to 256 texts; only a JSON string equals a text."}}
                  },
                  "end_users": {
                    "type": "array", "items": {"type": ["string", "array"], "items": {"type": "string"}},
                    "description": "The fields that identify a record's end user (a key, or keys into nested objects): how `chat-export forget` finds a person's records."
                  }
                }
              }
            }
          }
        }
        """#
}
