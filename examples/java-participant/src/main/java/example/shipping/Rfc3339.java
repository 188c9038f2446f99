package example.shipping;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The contract's time format: RFC 3339 with seconds and a zone ({@code Z} or {@code ±hh:mm}), an
 * optional fraction; {@code 2026-12-03T09:00Z}, {@code +0100} and a space for {@code T} are refused.
 */
final class Rfc3339 {
  private static final Pattern TIME = Pattern.compile(
      "^(\\d{4})-(\\d{2})-(\\d{2})T(\\d{2}):(\\d{2}):(\\d{2})(\\.\\d+)?(Z|([+-])(\\d{2}):(\\d{2}))$");

  private Rfc3339() {}

  static boolean isValid(String text) {
    Matcher m = TIME.matcher(text);
    if (!m.matches()) {
      return false;
    }
    int year = Integer.parseInt(m.group(1));
    int month = Integer.parseInt(m.group(2));
    int day = Integer.parseInt(m.group(3));
    int hour = Integer.parseInt(m.group(4));
    int minute = Integer.parseInt(m.group(5));
    int second = Integer.parseInt(m.group(6));
    if (month < 1 || month > 12 || day < 1 || day > daysIn(year, month)) {
      return false;
    }
    if (hour > 23 || minute > 59 || second > 59) {
      return false;
    }
    if (m.group(9) != null) {
      int offsetHours = Integer.parseInt(m.group(10));
      int offsetMinutes = Integer.parseInt(m.group(11));
      return offsetHours <= 23 && offsetMinutes <= 59;
    }
    return true;
  }

  private static int daysIn(int year, int month) {
    switch (month) {
      case 2:
        boolean leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
        return leap ? 29 : 28;
      case 4:
      case 6:
      case 9:
      case 11:
        return 30;
      default:
        return 31;
    }
  }
}
