# Nomad: the server example run by caprun with the raw_exec driver. raw_exec isolates
# nothing itself; caprun builds the sandbox (the `default` policy) and the server runs
# as user 65534 inside it. raw_exec must be enabled on the client:
#   plugin "raw_exec" { config { enabled = true } }
# The paths are those of caprun's Debian package. Submit with
#   nomad job run caprun-server.nomad.hcl
job "caprun-server" {
  datacenters = ["dc1"]
  type        = "service"

  group "server" {
    count = 1

    task "server" {
      driver = "raw_exec"

      config {
        command = "/usr/bin/caprun"
        args = [
          "--policy", "default", "--uid", "65534", "--gid", "65534",
          "/usr/lib/caprun/examples/server",
          "/usr/share/doc/caprun/examples/server/server.yaml",
        ]
      }

      # SIGTERM to caprun, the sandbox's supervisor, which forwards it to the server.
      kill_signal  = "SIGTERM"
      kill_timeout = "10s"

      resources {
        cpu    = 200
        memory = 128
      }
    }
  }
}
