import Foundation

// A closed pipe on stdout must surface as a write error (EPIPE), not kill the process silently.
signal(SIGPIPE, SIG_IGN)
let status = await CLI.main(arguments: Array(CommandLine.arguments.dropFirst()), environment: ProcessInfo.processInfo.environment)
exit(status)
