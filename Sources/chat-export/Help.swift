/// The main help text; each command's help comes from its declaration (``CLICommand/help``).
enum Help {
    static let version = "chat-export 0.1.0"

    static let main = """
        chat-export: move chatbot conversations and messages from vendor export APIs into sinks.

        Usage: chat-export COMMAND [OPTIONS]

        Commands:
          demo                  run a real job against the built-in vendor sandbox (no account needed)
          run CONFIG            run the job; re-running resumes from the last checkpoint
                                (--since/--until: backfill a range, --dry-run: a sample to stdout)
          check CONFIG          validate the config, then verify credentials with the vendor
          validate CONFIG       validate the config offline
          spec [TYPE]           print the JSON Schema of a source, sink or transform type (or of a job config)
          list                  list the registered sources, sinks and transforms
          discover CONFIG|TYPE  each stream's fields: declared columns, and with CONFIG a real sample
          init TYPE [--sink S]  print a job config for a source type (sink: sqlite, files, postgres, stdout)
          new-connector NAME    write a connector definition for a vendor without Swift, and a job using it
          state show CONFIG     the job's state per stream (--json: the checkpoint as stored)
          state set CONFIG      set where a stream reads from next (--stream NAME --position TIME)
          state reset CONFIG    forget the job's checkpoint (all streams, or --stream NAME)
          forget CONFIG         remove end users' records from every sink and keep them out (--end-user ID)
          serve JOB_OR_DIR...   keep many jobs current on their schedules, alone or as a fleet (--coordination)
          sandbox               run the local fake of the vendors' export APIs in the foreground
          completion bash|zsh   print a shell completion script
          help [COMMAND]        show this help, or a command's
          version               print the version

        Global options may stand anywhere, before or after the command.

        \(CLI.globalOptionsHelp)
        \(CLIOption.helpLines([CLI.version]))

        Exit codes: 0 success, 64 bad command line, 78 invalid config, 77 credentials rejected,
        75 temporary failure (re-run to resume), 130/143 interrupted by SIGINT/SIGTERM, 1 other failure.
        """

    /// Each command's `--help`, by name, from its declaration.
    static let commands: [String: String] = Dictionary(uniqueKeysWithValues: CLI.commands.map { ($0.name, $0.help) })
}
