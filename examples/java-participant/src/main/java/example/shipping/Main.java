package example.shipping;

import java.sql.SQLException;

/** Entry point: configuration, database, then the consume loop until SIGTERM/SIGINT. */
public final class Main {
  private Main() {}

  public static void main(String[] args) {
    Config config;
    try {
      config = Config.fromEnv(System.getenv());
    } catch (IllegalArgumentException e) {
      Log.error("configuration refused", "problems", e.getMessage());
      System.exit(1);
      return;
    }
    Log.info("starting", "participant", config.participant, "brokers", config.kafkaBrokers, "database",
        config.database.redacted(), "schema", config.dbSchema, "commandTopic", config.commandTopic(),
        "deadLetterTopic", config.deadLetterTopic(), "group", config.groupId);

    Store store = new Store(config.database, config.dbSchema);
    Participant participant = new Participant(config, store);
    Thread main = Thread.currentThread();
    installSignalHandlers(participant);

    if (!openDatabase(store, participant)) {
      store.close();
      Log.info("stopped before start-up ended");
      System.exit(0);
      return;
    }
    try {
      participant.run();
    } catch (RuntimeException e) {
      Log.error("participant failed", "error", e.toString());
      store.close();
      System.exit(1);
      return;
    }
    store.close();
    Log.info("stopped", "thread", main.getName());
    System.exit(0);
  }

  /** Connects and creates the tables, waiting out an unavailable database; a refused login ends the process. */
  private static boolean openDatabase(Store store, Participant participant) {
    long pause = 250;
    while (participant.running()) {
      try {
        store.connection();
        store.migrate();
        Log.info("database ready");
        return true;
      } catch (SQLException e) {
        String state = e.getSQLState() == null ? "" : e.getSQLState();
        if (state.startsWith("28") || state.startsWith("3D") || state.startsWith("42")) {
          Log.error("database refused", "sqlstate", state, "error", e.getMessage());
          store.close();
          System.exit(1);
        }
        Log.warn("database unavailable, retrying", "sqlstate", state, "error", e.getMessage(), "retryInMs", pause);
        store.close();
      }
      try {
        Thread.sleep(pause);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
      pause = Math.min(pause * 2, 4000);
    }
    return false;
  }

  /** SIGTERM and SIGINT ask the loop to stop; the process then exits 0 once it has committed and closed. */
  @SuppressWarnings("restriction")
  private static void installSignalHandlers(Participant participant) {
    sun.misc.SignalHandler handler = signal -> {
      Log.info("signal received, stopping", "signal", signal.getName());
      participant.stop();
    };
    sun.misc.Signal.handle(new sun.misc.Signal("TERM"), handler);
    sun.misc.Signal.handle(new sun.misc.Signal("INT"), handler);
  }
}
