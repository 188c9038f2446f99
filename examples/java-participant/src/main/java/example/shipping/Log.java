package example.shipping;

import java.time.Instant;

/** One line per event on stdout: {@code <time> <LEVEL> <event> key=value ...}. Never a payload or a password. */
final class Log {
  private Log() {}

  static void info(String event, Object... kv) {
    write("INFO", event, kv);
  }

  static void warn(String event, Object... kv) {
    write("WARN", event, kv);
  }

  static void error(String event, Object... kv) {
    write("ERROR", event, kv);
  }

  private static void write(String level, String event, Object... kv) {
    StringBuilder line = new StringBuilder(128);
    line.append(Instant.now()).append(' ').append(level).append(' ').append(event);
    for (int i = 0; i + 1 < kv.length; i += 2) {
      line.append(' ').append(kv[i]).append('=').append(quote(String.valueOf(kv[i + 1])));
    }
    synchronized (System.out) {
      System.out.println(line);
      System.out.flush();
    }
  }

  private static String quote(String value) {
    String oneLine = value.replace("\r", "\\r").replace("\n", "\\n");
    if (oneLine.isEmpty() || oneLine.indexOf(' ') >= 0 || oneLine.indexOf('"') >= 0) {
      return '"' + oneLine.replace("\"", "\\\"") + '"';
    }
    return oneLine;
  }
}
