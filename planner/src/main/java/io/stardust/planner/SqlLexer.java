package io.stardust.planner;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Splits the statements Stardust parses itself (DDL and transaction control) into tokens, with positions for error
 * messages. Unquoted identifiers and keywords are folded to lower case; double-quoted identifiers keep their case.
 */
final class SqlLexer
{
    enum Type
    {
        WORD, QUOTED, NUMBER, STRING, SYMBOL, END
    }

    /**
     * @param type   what kind.
     * @param text   the word in lower case, the identifier as quoted, the digits, or the symbol.
     * @param line   1-based line.
     * @param column 1-based column.
     */
    record Token(Type type, String text, int line, int column)
    {
        boolean is(final String word)
        {
            return type == Type.WORD && text.equals(word);
        }

        String describe()
        {
            return switch (type)
            {
                case END -> "the end of the statement";
                case STRING -> "'" + text + "'";
                case QUOTED -> "\"" + text + "\"";
                default -> "'" + text + "'";
            };
        }
    }

    private SqlLexer()
    {
    }

    /**
     * @param sql a statement.
     * @return its tokens, ending with an END token.
     * @throws SqlError for an unterminated string or quoted identifier, or a character outside the language.
     */
    static List<Token> tokens(final String sql)
    {
        final List<Token> tokens = new ArrayList<>();
        int i = 0;
        int line = 1;
        int lineStart = 0;
        final int n = sql.length();
        while (true)
        {
            while (i < n)
            {
                final char c = sql.charAt(i);
                if (c == '\n')
                {
                    line++;
                    lineStart = i + 1;
                    i++;
                }
                else if (Character.isWhitespace(c))
                {
                    i++;
                }
                else if (c == '-' && i + 1 < n && sql.charAt(i + 1) == '-')
                {
                    while (i < n && sql.charAt(i) != '\n')
                    {
                        i++;
                    }
                }
                else if (c == '/' && i + 1 < n && sql.charAt(i + 1) == '*')
                {
                    final int end = sql.indexOf("*/", i + 2);
                    final int stop = end < 0 ? n : end + 2;
                    for (int j = i; j < stop; j++)
                    {
                        if (sql.charAt(j) == '\n')
                        {
                            line++;
                            lineStart = j + 1;
                        }
                    }
                    i = stop;
                }
                else
                {
                    break;
                }
            }
            final int column = i - lineStart + 1;
            if (i >= n)
            {
                tokens.add(new Token(Type.END, "", line, column));
                return tokens;
            }
            final char c = sql.charAt(i);
            if (Character.isLetter(c) || c == '_')
            {
                final int start = i;
                while (i < n && (Character.isLetterOrDigit(sql.charAt(i)) || sql.charAt(i) == '_'))
                {
                    i++;
                }
                tokens.add(new Token(Type.WORD, sql.substring(start, i).toLowerCase(Locale.ROOT), line, column));
            }
            else if (Character.isDigit(c))
            {
                final int start = i;
                while (i < n && Character.isDigit(sql.charAt(i)))
                {
                    i++;
                }
                tokens.add(new Token(Type.NUMBER, sql.substring(start, i), line, column));
            }
            else if (c == '"' || c == '\'')
            {
                final StringBuilder text = new StringBuilder();
                int j = i + 1;
                while (true)
                {
                    if (j >= n)
                    {
                        throw new SqlError(SqlError.SYNTAX_ERROR, "syntax error at line " + line + ", column " +
                            column + ": unterminated " + (c == '"' ? "quoted identifier" : "string"));
                    }
                    if (sql.charAt(j) == c)
                    {
                        if (j + 1 < n && sql.charAt(j + 1) == c)
                        {
                            text.append(c);
                            j += 2;
                            continue;
                        }
                        break;
                    }
                    text.append(sql.charAt(j++));
                }
                i = j + 1;
                tokens.add(new Token(c == '"' ? Type.QUOTED : Type.STRING, text.toString(), line, column));
            }
            else if ("(),;.=".indexOf(c) >= 0)
            {
                tokens.add(new Token(Type.SYMBOL, String.valueOf(c), line, column));
                i++;
            }
            else
            {
                tokens.add(new Token(Type.SYMBOL, String.valueOf(c), line, column));
                i++;
            }
        }
    }
}
